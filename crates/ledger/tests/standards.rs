//! Environmental standards, table-driven from the reference figures: the transcribed tables
//! against `data/standards.toml` (the copy of the team's reference), GB 3838 classes at every
//! limit, IAQI at and between breakpoints, AQI levels and primary pollutants, the HJ 663
//! percentile, GB/T 8170 rounding, CSV reading, and the seed plan's water target judged from a
//! made-up year of monthly samples.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use toml::{Table, Value};
use zhuanban_ledger::environment::{EnvKind, EnvTarget, GrowthBasis, Metric, Statistic, judge};
use zhuanban_ledger::{Cmp, Hardness, Status};
use zhuanban_standards::air::{
    self, AqiLevel, Averaging, Edition, Grade, HJ633_2012, HJ633_2026_CHANGES, IAQI_LEVELS,
    Pollutant, Reading, Report,
};
use zhuanban_standards::decimal::{Comparison, Decimal, Mean, Measurement, NonDetect};
use zhuanban_standards::series::{
    AirItem, CsvErrorKind, CsvOptions, Item, SiteKind, Value as ObsValue, parse_csv,
};
use zhuanban_standards::water::{
    self, GB3838, Rule, Settings, TLI_PARAMETERS, TrophicState, WaterClass, WaterItem,
};

use WaterClass::*;

const TOML: &str = include_str!("../data/standards.toml");

fn reference() -> Table {
    TOML.parse::<Table>().expect("standards.toml parses")
}

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

/// A TOML number as a decimal (floats print their shortest round-trip form, never exponents).
fn dec(v: &Value) -> Decimal {
    match v {
        Value::Float(f) => d(&f.to_string()),
        Value::Integer(i) => Decimal::from_i64(*i),
        Value::String(s) => d(s),
        other => panic!("not a number: {other:?}"),
    }
}

fn decs(v: &Value) -> Vec<Decimal> {
    v.as_array().expect("array").iter().map(dec).collect()
}

fn arr<'a>(t: &'a Table, path: &[&str]) -> &'a Vec<Value> {
    let mut v: &Value = t.get(path[0]).unwrap_or_else(|| panic!("no {}", path[0]));
    for p in &path[1..] {
        v = v.get(p).unwrap_or_else(|| panic!("no {p}"));
    }
    v.as_array().expect("array")
}

fn get<'a>(t: &'a Table, path: &[&str]) -> &'a Value {
    let mut v: &Value = t.get(path[0]).unwrap_or_else(|| panic!("no {}", path[0]));
    for p in &path[1..] {
        v = v.get(p).unwrap_or_else(|| panic!("no {p}"));
    }
    v
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {key}"))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn pollutant(code: &str) -> Pollutant {
    Pollutant::ALL
        .into_iter()
        .find(|p| p.code() == code)
        .unwrap_or_else(|| panic!("pollutant {code}"))
}

fn averaging(code: &str) -> Averaging {
    match code {
        "annual" => Averaging::Year,
        "24h" => Averaging::Day,
        "1h" => Averaging::Hour,
        "8h" | "max8h" => Averaging::EightHours,
        _ => panic!("averaging {code}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The transcribed tables equal the reference file

#[test]
fn gb3838_table_equals_the_reference() {
    let r = reference();
    let items = arr(&r, &["gb3838", "items"]);
    assert_eq!(items.len(), 24);
    for it in items {
        let key = s(it, "key");
        let ours = GB3838
            .iter()
            .find(|x| x.key == key)
            .unwrap_or_else(|| panic!("{key} not transcribed"));
        assert_eq!(ours.no as i64, it["no"].as_integer().unwrap(), "{key}");
        assert_eq!(
            ours.routine,
            it["in_routine_class"].as_bool().unwrap(),
            "{key} routine"
        );
        match (s(it, "direction"), ours.rule) {
            ("max", Rule::AtMost { limits, lake }) => {
                assert_eq!(limits.to_vec(), decs(&it["limits"]), "{key}");
                // TN's lake column equals its only column.
                if let Some(l) = it.get("lake_limits") {
                    assert_eq!(lake.unwrap_or(limits).to_vec(), decs(l), "{key} lake");
                } else {
                    assert_eq!(lake, None, "{key} lake");
                }
            }
            ("min", Rule::AtLeast(limits)) => {
                assert_eq!(limits.to_vec(), decs(&it["limits"]), "{key}")
            }
            ("range", Rule::Range { lo, hi }) => {
                assert_eq!(vec![lo, hi], decs(&it["range"]), "{key}")
            }
            ("special", Rule::Special) => {}
            (dir, rule) => panic!("{key}: direction {dir} vs {rule:?}"),
        }
    }
    // The 2011 method's routine items.
    let routine: Vec<&str> = arr(&r, &["sw_eval_2011", "routine_items"])
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut ours: Vec<&str> = Settings::river().items().iter().map(|i| i.key()).collect();
    let mut theirs = routine.clone();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    assert_eq!(routine.len(), 21);
}

#[test]
fn tli_figures_equal_the_reference() {
    let r = reference();
    let params = arr(&r, &["tli", "parameters"]);
    assert_eq!(params.len(), TLI_PARAMETERS.len());
    let mut r2_sum = Decimal::ZERO;
    for (p, ours) in params.iter().zip(&TLI_PARAMETERS) {
        assert_eq!(s(p, "key"), ours.item.key());
        assert_eq!(dec(&p["r"]), ours.r);
        assert_eq!(dec(&p["r2"]), ours.r * ours.r);
        assert_eq!(p["a"].as_float().unwrap(), ours.a);
        assert_eq!(p["b"].as_float().unwrap(), ours.b);
        // Weights are quoted to four places.
        let w = d(&format!("{:.6}", ours.weight())).round_dp(4);
        assert_eq!(w, dec(&p["weight"]), "{}", ours.item.key());
        r2_sum = r2_sum + ours.r * ours.r;
    }
    assert_eq!(r2_sum, dec(get(&r, &["tli", "r2_sum"])));
    for g in arr(&r, &["tli", "grades"]) {
        let name = s(g, "name_zh");
        let lo = g["lower"].as_float().unwrap();
        let hi = g["upper"].as_float().unwrap();
        let (lo_in, hi_in) = (
            g["lower_inclusive"].as_bool().unwrap(),
            g["upper_inclusive"].as_bool().unwrap(),
        );
        let mid = (lo + hi) / 2.0;
        assert_eq!(TrophicState::of(mid).name_zh(), name);
        assert_eq!(
            TrophicState::of(lo).name_zh() == name,
            lo_in,
            "{name} lower"
        );
        if hi < 100.0 {
            assert_eq!(
                TrophicState::of(hi).name_zh() == name,
                hi_in,
                "{name} upper"
            );
        }
    }
    // Check figure: TP = 0.08 mg/L gives TLI(TP) = 53.3.
    let tp = TLI_PARAMETERS[1].index(0.08);
    assert_eq!(format!("{tp:.1}"), "53.3");
}

#[test]
fn air_limits_equal_the_reference() {
    let r = reference();
    for l in arr(&r, &["gb3095", "limits"]) {
        let (p, a) = (pollutant(s(l, "pollutant")), averaging(s(l, "averaging")));
        for (grade, key) in [(Grade::I, "grade1"), (Grade::II, "grade2")] {
            assert_eq!(
                air::limit(Edition::V2012, p, a, grade),
                Some(dec(&l[key])),
                "{p:?} {a:?} {key}"
            );
        }
    }
    for l in arr(&r, &["gb3095_2026", "limits"]) {
        let (p, a) = (pollutant(s(l, "pollutant")), averaging(s(l, "averaging")));
        for (edition, key) in [
            (Edition::V2026Transition, "transition"),
            (Edition::V2026Final, "final"),
        ] {
            let v = decs(&l[key]);
            assert_eq!(
                air::limit(edition, p, a, Grade::I),
                Some(v[0]),
                "{p:?} {a:?}"
            );
            assert_eq!(
                air::limit(edition, p, a, Grade::II),
                Some(v[1]),
                "{p:?} {a:?}"
            );
        }
    }
    assert_eq!(air::GB3095.len(), arr(&r, &["gb3095", "limits"]).len());
    // Dates of the editions.
    let eff = get(&r, &["gb3095_2026", "effective"])
        .as_datetime()
        .unwrap()
        .to_string();
    assert_eq!(eff, air::EFFECTIVE_2026.to_string());
    let fin = get(&r, &["gb3095_2026", "final_from"])
        .as_datetime()
        .unwrap()
        .to_string();
    assert_eq!(fin, air::FINAL_2031.to_string());
    // Validity minima.
    use air::validity::*;
    for v in arr(&r, &["gb3095", "validity"]) {
        let int = |k: &str| v.get(k).and_then(Value::as_integer);
        match s(v, "averaging") {
            "annual" if int("min_daily_values_per_year") == Some(324) => {
                assert_eq!(MIN_DAYS_PER_YEAR as i64, 324);
                assert_eq!(
                    int("min_daily_values_per_month"),
                    Some(MIN_DAYS_PER_MONTH as i64)
                );
                assert_eq!(
                    int("min_daily_values_february"),
                    Some(MIN_DAYS_FEBRUARY as i64)
                );
            }
            "24h" if int("min_hourly_values_per_day").is_some() => {
                assert_eq!(
                    int("min_hourly_values_per_day"),
                    Some(MIN_HOURS_PER_DAY as i64)
                )
            }
            "8h" => assert_eq!(
                int("min_hourly_values_per_8h"),
                Some(MIN_HOURS_PER_8H as i64)
            ),
            "max8h" => assert_eq!(
                int("min_valid_8h_values_0800_2400"),
                Some(MIN_8H_PER_DAY as i64)
            ),
            _ => {}
        }
    }
}

#[test]
fn iaqi_tables_equal_the_reference() {
    let r = reference();
    let levels: Vec<i64> = arr(&r, &["hj633", "iaqi_levels"])
        .iter()
        .map(|v| v.as_integer().unwrap())
        .collect();
    assert_eq!(levels, IAQI_LEVELS.map(|l| l as i64).to_vec());
    let bps = arr(&r, &["hj633", "breakpoints"]);
    assert_eq!(bps.len(), HJ633_2012.len());
    for b in bps {
        let (p, a) = (pollutant(s(b, "pollutant")), averaging(s(b, "averaging")));
        let c = decs(&b["concentrations"]);
        assert_eq!(
            air::breakpoints(Edition::V2012, p, a).unwrap().to_vec(),
            c,
            "{p:?} {a:?}"
        );
        let changed = HJ633_2026_CHANGES
            .iter()
            .any(|x| x.pollutant == p && x.averaging == a);
        if !changed {
            assert_eq!(
                air::breakpoints(Edition::V2026Transition, p, a)
                    .unwrap()
                    .to_vec(),
                c,
                "2026 {p:?} {a:?}"
            );
        }
    }
    let changes = arr(&r, &["hj633_2026", "breakpoints"]);
    assert_eq!(changes.len(), HJ633_2026_CHANGES.len());
    for b in changes {
        let (p, a) = (pollutant(s(b, "pollutant")), averaging(s(b, "averaging")));
        for e in [Edition::V2026Transition, Edition::V2026Final] {
            assert_eq!(
                air::breakpoints(e, p, a).unwrap().to_vec(),
                decs(&b["concentrations"]),
                "{p:?}"
            );
        }
    }
    for (c, level) in arr(&r, &["hj633", "categories"]).iter().zip(AqiLevel::ALL) {
        let (lo, hi) = level.range();
        assert_eq!(c["aqi_min"].as_integer(), Some(lo as i64));
        assert_eq!(c["aqi_max"].as_integer(), Some(hi as i64));
        assert_eq!(s(c, "level_zh"), level.level_zh());
        assert_eq!(s(c, "category_zh"), level.category_zh());
        assert_eq!(s(c, "colour_zh"), level.colour_zh());
        let rgb: Vec<i64> = c["rgb"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_integer().unwrap())
            .collect();
        assert_eq!(rgb, level.rgb().map(|x| x as i64).to_vec());
    }
    // HJ 663 statistics.
    for st in arr(&r, &["hj663", "annual_statistics"]) {
        let p = pollutant(s(st, "pollutant"));
        let stats: Vec<&str> = st["statistics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(stats.contains(&"annual_mean"), p.has_annual_mean(), "{p:?}");
        let pct = stats.iter().find(|x| x.starts_with('p')).unwrap();
        assert!(
            pct.starts_with(&format!("p{}_", p.percentile_rank())),
            "{p:?} {pct}"
        );
    }
    let digits = get(&r, &["hj663", "reported_digits"]).as_table().unwrap();
    for (code, places) in digits {
        assert_eq!(
            pollutant(code).reported_places() as i64,
            places.as_integer().unwrap()
        );
    }
    // The 2026 test vector.
    let tv = get(&r, &["hj633_2026", "test_vector"]);
    let c = dec(&tv["concentration"]);
    let p = pollutant(s(tv, "pollutant"));
    let new = air::iaqi(Edition::V2026Transition, p, Averaging::Day, c).unwrap();
    assert_eq!(new.exact, dec(&tv["iaqi_exact"]));
    assert_eq!(new.value as i64, tv["iaqi_reported"].as_integer().unwrap());
    let old = air::iaqi(Edition::V2012, p, Averaging::Day, c).unwrap();
    assert_eq!(old.exact, dec(&tv["iaqi_2012_exact"]));
    assert_eq!(old.value, 66);
}

// ---------------------------------------------------------------------------------------------
// GB/T 8170 rounding

#[test]
fn rounding_vectors_of_the_reference() {
    let r = reference();
    let vectors = arr(&r, &["gbt8170", "test_vectors"]);
    assert!(vectors.len() >= 15);
    for v in vectors {
        let (value, interval, expected) = (s(v, "value"), s(v, "interval"), s(v, "expected"));
        assert_eq!(
            d(value).round(d(interval)),
            d(expected),
            "{value} at {interval}"
        );
    }
}

#[test]
fn rounding_vectors_of_the_reference_table() {
    // standards.md §6, as written there.
    for (value, interval, out) in [
        ("12.1498", "1", "12"),
        ("12.1498", "0.1", "12.1"),
        ("1268", "100", "1300"),
        ("10.5002", "1", "11"),
        ("1.050", "0.1", "1.0"),
        ("0.35", "0.1", "0.4"),
        ("2500", "1000", "2000"),
        ("3500", "1000", "4000"),
        ("-0.0365", "0.001", "-0.036"),
        ("15.4546", "1", "15"),
        ("28.175", "0.01", "28.18"),
        ("28.165", "0.01", "28.16"),
        ("28.350", "0.1", "28.4"),
        ("28.250", "0.1", "28.2"),
        ("28.050", "0.1", "28.0"),
        ("28.2501", "0.1", "28.3"),
        // Half- and fifth-unit intervals (GB/T 8170 also defines them).
        ("60.25", "0.5", "60.0"),
        ("60.38", "0.5", "60.5"),
        ("-60.75", "0.5", "-61.0"),
        ("830", "20", "840"),
        ("842", "20", "840"),
        ("930", "20", "920"),
    ] {
        let got = d(value).round(d(interval));
        assert_eq!(got.to_string(), out, "{value} at {interval}");
    }
    // Three significant digits, in one step (not 8.5346 → 8.535 → 8.54).
    assert_eq!(d("8.53459").round_sig(3).to_string(), "8.53");
    assert_eq!(d("1268").round_sig(2).to_string(), "1300");
    assert_eq!(d("0.0012345").round_sig(3).to_string(), "0.00123");
    // Never on f64: 0.015 as f64 is 0.01499…, which binary rounding takes down; the decimal
    // 0.015 rounds half-even (kept digit 1 is odd) up.
    assert_eq!(format!("{:.2}", 0.015f64), "0.01");
    assert_eq!(d("0.015").round_dp(2).to_string(), "0.02");
    assert_eq!(d("28.175").round_dp(2).to_string(), "28.18");
    // A mean is rounded once, from its exact value: (0.1 + 0.15) / 2 = 0.125 → 0.12.
    let m = Mean::of([d("0.1"), d("0.15")]).unwrap();
    assert_eq!(m.round(d("0.01")).to_string(), "0.12");
}

// ---------------------------------------------------------------------------------------------
// GB 3838 classes

/// The class the rule gives for a value of a "≤" item with these limits.
fn expected_at_most(limits: &[Decimal], v: Decimal) -> WaterClass {
    WaterClass::ALL[limits.iter().position(|l| v <= *l).unwrap_or(5)]
}

/// A value just above `v`: two more decimal places than the finest limit.
fn just_above(v: Decimal, limits: &[Decimal]) -> Decimal {
    let places = limits.iter().map(|l| l.scale()).max().unwrap() + 2;
    v + Decimal::new(1, places)
}

#[test]
fn every_item_at_and_just_above_each_limit() {
    let r = reference();
    let mut checked = 0;
    for it in arr(&r, &["gb3838", "items"]) {
        if s(it, "direction") != "max" {
            continue;
        }
        let key = s(it, "key");
        let item = WaterItem::ALL.into_iter().find(|i| i.key() == key).unwrap();
        let mut columns = vec![(false, decs(&it["limits"]))];
        if let Some(l) = it.get("lake_limits") {
            columns.push((true, decs(l)));
        }
        for (lake, limits) in columns {
            for (k, limit) in limits.iter().enumerate() {
                // Exactly on the limit: this class, or a better one sharing the limit.
                let on = water::item_class(item, *limit, lake).unwrap();
                assert_eq!(on, expected_at_most(&limits, *limit), "{key} = {limit}");
                assert!(on <= WaterClass::ALL[k], "{key} = {limit}: better class");
                let first = limits.iter().position(|l| l == limit).unwrap();
                assert_eq!(
                    on,
                    WaterClass::ALL[first],
                    "{key} = {limit}: best shared class"
                );
                // Just above: the next class with a greater limit, or 劣V.
                let above = just_above(*limit, &limits);
                let got = water::item_class(item, above, lake).unwrap();
                assert_eq!(got, expected_at_most(&limits, above), "{key} = {above}");
                assert!(got > on, "{key} = {above} worse than at the limit");
                checked += 2;
            }
        }
    }
    // 21 "≤" items plus the lake columns of TP and TN, × 5 limits × 2.
    assert_eq!(checked, 23 * 5 * 2);
}

#[test]
fn explicit_class_rows() {
    use WaterItem::*;
    for (item, lake, value, class) in [
        // Shared limits take the better class.
        (Cod, false, "15", I),
        (Cod, false, "15.01", III),
        (Cod, false, "20", III),
        (Cod, false, "40", V),
        (Cod, false, "40.1", WorseThanV),
        (Bod5, false, "3", I),
        (Cu, false, "1.0", II),
        (Cu, false, "1.00001", WorseThanV),
        (Hg, false, "0.00005", I),
        (Hg, false, "0.00006", III),
        (Nh3N, false, "0.15", I),
        (Nh3N, false, "0.151", II),
        (Nh3N, false, "1.0", III),
        (Nh3N, false, "2.01", WorseThanV),
        (FecalColiform, false, "10000", III),
        // Dissolved oxygen: higher is better; on the limit is that class.
        (Do, false, "9.1", I),
        (Do, false, "7.5", I),
        (Do, false, "7.49", II),
        (Do, false, "6", II),
        (Do, false, "5.99", III),
        (Do, false, "5", III),
        (Do, false, "4.99", IV),
        (Do, false, "3", IV),
        (Do, false, "2", V),
        (Do, false, "1.99", WorseThanV),
        // pH: 6–9 for every class.
        (Ph, false, "6", I),
        (Ph, false, "7.2", I),
        (Ph, false, "9", I),
        (Ph, false, "5.99", WorseThanV),
        (Ph, false, "9.01", WorseThanV),
        // Total phosphorus: river and lake columns.
        (Tp, false, "0.08", II),
        (Tp, false, "0.1", II),
        (Tp, false, "0.2", III),
        (Tp, true, "0.01", I),
        (Tp, true, "0.011", II),
        (Tp, true, "0.025", II),
        (Tp, true, "0.026", III),
        (Tp, true, "0.05", III),
        (Tp, true, "0.051", IV),
        (Tp, true, "0.08", IV),
        (Tp, true, "0.1", IV),
        (Tp, true, "0.101", V),
        (Tp, true, "0.2", V),
        (Tp, true, "0.201", WorseThanV),
        (Tn, true, "1.0", III),
        (Tn, true, "1.2", IV),
    ] {
        assert_eq!(
            water::item_class(item, d(value), lake),
            Some(class),
            "{item:?} lake={lake} {value}"
        );
    }
    assert_eq!(
        water::item_class(WaterItem::WaterTemperature, d("20"), false),
        None
    );
    assert_eq!(water::item_class(WaterItem::Chla, d("20"), true), None);
}

#[test]
fn class_of_a_sample_and_exceedances() {
    use WaterItem::*;
    let sample = [
        (Ph, d("7.5")),
        (Do, d("6.5")),
        (CodMn, d("7.2")),
        (Nh3N, d("0.4")),
        (Tp, d("0.08")),
        (Tn, d("1.6")),
        (FecalColiform, d("50000")),
        (WaterTemperature, d("25")),
    ];
    // A lake: TP 0.08 is lake class IV; TN and fecal coliforms do not count by default.
    let a = water::assess(&sample, &Settings::lake());
    assert_eq!(a.class, Some(IV));
    assert_eq!(a.worst, vec![CodMn, Tp]);
    assert_eq!(a.meets(III), Some(false));
    let ex = a.exceedances(III, true);
    let got: Vec<(WaterItem, WaterClass, Option<String>)> = ex
        .iter()
        .map(|e| (e.item, e.class, e.multiple.map(|m| m.to_string())))
        .collect();
    assert_eq!(
        got,
        vec![
            (CodMn, IV, Some("0.20".into())), // (7.2 − 6) / 6
            (Tp, IV, Some("0.60".into())),    // (0.08 − 0.05) / 0.05
        ]
    );
    assert_eq!(a.main_pollutants(true), vec![Tp, CodMn]);
    // The same sample in a river: TP 0.08 is class II.
    let a = water::assess(&sample, &Settings::river());
    assert_eq!(a.class, Some(IV));
    assert_eq!(a.worst, vec![CodMn]);
    // "其他指标": TP has its own target; TN counted for the lake as a plan setting.
    let s = Settings {
        lake: true,
        lake_tn: true,
        exclude: vec![Tp],
    };
    let a = water::assess(&sample, &s);
    assert_eq!(a.class, Some(V));
    assert_eq!(a.worst, vec![Tn]);
    // pH and DO have no 超标倍数.
    let e = water::exceedance(Do, d("4"), III, false).unwrap();
    assert_eq!((e.class, e.multiple), (IV, None));
    let e = water::exceedance(Ph, d("9.5"), III, false).unwrap();
    assert_eq!(
        (e.class, e.limit, e.multiple),
        (WorseThanV, Some(d("9")), None)
    );
    assert_eq!(water::exceedance(Cod, d("20"), III, false), None);
    // Labels.
    assert_eq!(WorseThanV.label(), "劣V类");
    assert_eq!(III.quality_zh(), "良好");
    assert_eq!(WaterClass::parse("III类"), Some(III));
    assert_eq!(WaterClass::parse("劣Ⅴ类"), Some(WorseThanV));
    assert_eq!(WaterClass::parse("劣III"), None);
}

#[test]
fn period_class_uses_exact_means() {
    use WaterItem::*;
    // TP (lake): mean of 0.05, 0.05, 0.0500001 is just above 0.05 → class IV.
    let v = [(Tp, d("0.05")), (Tp, d("0.05")), (Tp, d("0.0500001"))];
    let a = water::assess_period(&v, &Settings::lake());
    assert_eq!(a.class, Some(IV));
    let v = [(Tp, d("0.04")), (Tp, d("0.06"))];
    assert_eq!(water::assess_period(&v, &Settings::lake()).class, Some(III));
}

#[test]
fn trophic_state_index() {
    use WaterItem::*;
    let v = [
        (Chla, d("10")),
        (Tp, d("0.08")),
        (Tn, d("1.2")),
        (Sd, d("0.5")),
        (CodMn, d("5")),
    ];
    let t = water::tli(&v).unwrap();
    let expected: f64 = 0.2663 * 10.0 * (2.5 + 1.086 * 10f64.ln())
        + 0.1879 * 10.0 * (9.436 + 1.624 * 0.08f64.ln())
        + 0.1790 * 10.0 * (5.453 + 1.694 * 1.2f64.ln())
        + 0.1834 * 10.0 * (5.118 - 1.94 * 0.5f64.ln())
        + 0.1834 * 10.0 * (0.109 + 2.661 * 5f64.ln());
    assert!(
        (t.value - expected).abs() < 0.05,
        "{} vs {expected}",
        t.value
    );
    assert_eq!(t.state, TrophicState::of(t.value));
    assert_eq!(t.state, TrophicState::LightEutrophic);
    assert!(t.state.eutrophic());
    // Missing an input: no index.
    assert_eq!(water::tli(&v[..4]), None);
    for (x, state) in [
        (29.99, TrophicState::Oligotrophic),
        (30.0, TrophicState::Mesotrophic),
        (50.0, TrophicState::Mesotrophic),
        (50.01, TrophicState::LightEutrophic),
        (60.0, TrophicState::LightEutrophic),
        (70.0, TrophicState::MiddleEutrophic),
        (70.01, TrophicState::HyperEutrophic),
    ] {
        assert_eq!(TrophicState::of(x), state, "{x}");
    }
}

// ---------------------------------------------------------------------------------------------
// IAQI and AQI

#[test]
fn iaqi_at_and_between_breakpoints() {
    let mut checked = 0;
    for edition in [Edition::V2012, Edition::V2026Transition] {
        let tables = HJ633_2012.iter().chain(if edition.hj633_2026() {
            &HJ633_2026_CHANGES[..]
        } else {
            &[][..]
        });
        for t in tables {
            let (p, a) = (t.pollutant, t.averaging);
            let bps = air::breakpoints(edition, p, a).unwrap();
            if bps != t.concentrations {
                continue; // superseded in 2026
            }
            for (i, c) in bps.iter().enumerate() {
                let got = air::iaqi(edition, p, a, *c).unwrap();
                assert_eq!(got.value, IAQI_LEVELS[i], "{edition:?} {p:?} {a:?} at {c}");
                assert_eq!(got.exact, Decimal::from_i64(IAQI_LEVELS[i] as i64));
                checked += 1;
                if i + 1 < bps.len() {
                    // Midway: the midpoint of the IAQI band, exactly.
                    let mid = (*c + bps[i + 1]).half();
                    let got = air::iaqi(edition, p, a, mid).unwrap();
                    let want = (IAQI_LEVELS[i] + IAQI_LEVELS[i + 1]) / 2;
                    assert_eq!(got.value, want, "{p:?} {a:?} at {mid}");
                    // Just above a breakpoint: rounded up to the next integer.
                    let above = *c + d("0.001");
                    let got = air::iaqi(edition, p, a, above).unwrap();
                    assert_eq!(got.value, IAQI_LEVELS[i] + 1, "{p:?} {a:?} at {above}");
                    checked += 2;
                }
            }
        }
    }
    assert!(checked > 250, "{checked}");
}

#[test]
fn iaqi_vectors() {
    use Averaging::*;
    use Pollutant::*;
    let e12 = Edition::V2012;
    let e26 = Edition::V2026Transition;
    for (edition, p, a, c, value, exact) in [
        (e12, Pm25, Day, "47.6", Some(66), "65.75"),
        (e26, Pm25, Day, "47.6", Some(76), "75.20"),
        (e12, Pm25, Day, "75", Some(100), "100"),
        (e26, Pm25, Day, "75", Some(114), "113.64"),
        (e12, Pm10, Day, "120", Some(85), "85"),
        (e26, Pm10, Day, "120", Some(100), "100"),
        (e12, Co, Day, "3", Some(75), "75"),
        (e12, O3, EightHours, "130", Some(75), "75"),
        (e12, So2, Day, "2620", Some(500), "500"),
        (e12, So2, Day, "3000", Some(500), "500"),
        (e12, Pm25, Day, "600", Some(500), "500"),
        // HJ 633-2012: no SO2 1-h IAQI above 800, no O3 8-h IAQI above 800.
        (e12, So2, Hour, "801", None, ""),
        (e12, O3, EightHours, "801", None, ""),
        // HJ 633-2026: 200 and 300.
        (e26, So2, Hour, "801", Some(200), "200"),
        (e26, O3, EightHours, "801", Some(300), "300"),
        // PM 1-h values: none under 2012, the 24-h table under 2026.
        (e12, Pm25, Hour, "47.6", None, ""),
        (e26, Pm25, Hour, "47.6", Some(76), "75.20"),
        (e12, Pm25, Day, "-1", None, ""),
        (e12, Pm25, Day, "0", Some(0), "0"),
    ] {
        let got = air::iaqi(edition, p, a, d(c));
        assert_eq!(got.map(|i| i.value), value, "{edition:?} {p:?} {a:?} {c}");
        if let Some(g) = got {
            assert_eq!(g.exact, d(exact), "{p:?} {c}");
        }
    }
}

#[test]
fn aqi_levels() {
    for (aqi, level, category) in [
        (0, AqiLevel::Excellent, "优"),
        (50, AqiLevel::Excellent, "优"),
        (51, AqiLevel::Good, "良"),
        (100, AqiLevel::Good, "良"),
        (101, AqiLevel::Light, "轻度污染"),
        (150, AqiLevel::Light, "轻度污染"),
        (151, AqiLevel::Moderate, "中度污染"),
        (200, AqiLevel::Moderate, "中度污染"),
        (201, AqiLevel::Heavy, "重度污染"),
        (300, AqiLevel::Heavy, "重度污染"),
        (301, AqiLevel::Severe, "严重污染"),
        (500, AqiLevel::Severe, "严重污染"),
    ] {
        assert_eq!(AqiLevel::of(aqi), level, "{aqi}");
        assert_eq!(level.category_zh(), category);
    }
    assert!(AqiLevel::Good.good_day());
    assert!(!AqiLevel::Light.good_day());
}

fn daily(values: &[(Pollutant, Averaging, &str)]) -> Vec<Reading> {
    values
        .iter()
        .map(|(p, a, v)| Reading::new(*p, *a, d(v)))
        .collect()
}

#[test]
fn aqi_and_primary_pollutants() {
    use Averaging::*;
    use Pollutant::*;
    let e12 = Edition::V2012;
    // Clean day: AQI ≤ 50, no primary pollutant.
    let r = daily(&[
        (Pm25, Day, "20"),
        (Pm10, Day, "40"),
        (So2, Day, "10"),
        (No2, Day, "30"),
        (Co, Day, "0.8"),
        (O3, EightHours, "90"),
    ]);
    let a = air::aqi(e12, Report::Daily, &r).unwrap();
    assert_eq!((a.value, a.level), (45, AqiLevel::Excellent));
    assert!(a.primary.is_empty());
    // PM2.5 dominates.
    let r = daily(&[
        (Pm25, Day, "47.6"),
        (Pm10, Day, "60"),
        (O3, EightHours, "100"),
    ]);
    let a = air::aqi(e12, Report::Daily, &r).unwrap();
    assert_eq!((a.value, a.level), (66, AqiLevel::Good));
    assert_eq!(a.primary, vec![Pm25]);
    assert!(a.exceeding.is_empty());
    // The same day under HJ 633-2026.
    let a = air::aqi(Edition::V2026Transition, Report::Daily, &r).unwrap();
    assert_eq!((a.value, a.primary.clone()), (76, vec![Pm25]));
    // A tie: both primary.
    let r = daily(&[(Pm25, Day, "75"), (Pm10, Day, "150"), (No2, Day, "40")]);
    let a = air::aqi(e12, Report::Daily, &r).unwrap();
    assert_eq!(a.value, 100);
    assert_eq!(a.primary, vec![Pm10, Pm25]);
    // Exceeding pollutants (IAQI > 100), 2012 only.
    let r = daily(&[
        (Pm25, Day, "120"),
        (Pm10, Day, "160"),
        (O3, EightHours, "100"),
    ]);
    let a = air::aqi(e12, Report::Daily, &r).unwrap();
    assert_eq!((a.value, a.level), (158, AqiLevel::Moderate));
    assert_eq!(a.primary, vec![Pm25]);
    assert_eq!(a.exceeding, vec![Pm10, Pm25]);
    let a = air::aqi(Edition::V2026Transition, Report::Daily, &r).unwrap();
    assert!(a.exceeding.is_empty());
    // Daily O3: the 8-h value; the 1-h value only when 8-h has no IAQI (2012, above 800).
    let r = daily(&[(O3, EightHours, "130"), (O3, Hour, "390")]);
    let a = air::aqi(e12, Report::Daily, &r).unwrap();
    assert_eq!((a.value, a.indices[0].averaging), (75, EightHours));
    let r = daily(&[(O3, EightHours, "900"), (O3, Hour, "1000")]);
    let a = air::aqi(e12, Report::Daily, &r).unwrap();
    assert_eq!((a.value, a.indices[0].averaging), (400, Hour));
    let a = air::aqi(Edition::V2026Transition, Report::Daily, &r).unwrap();
    assert_eq!((a.value, a.indices[0].averaging), (300, EightHours));
    // Hourly: SO2 1-h above 800 falls back to its 24-h mean (2012).
    let r = daily(&[(So2, Hour, "900"), (So2, Day, "150"), (Pm25, Day, "35")]);
    let a = air::aqi(e12, Report::Hourly, &r).unwrap();
    assert_eq!((a.value, a.primary.clone()), (100, vec![So2]));
    assert_eq!(a.indices[0].averaging, Day);
    // Hourly PM: 24-h sliding mean (2012), 1-h value (2026).
    let r = daily(&[(Pm25, Hour, "100"), (Pm25, Day, "35")]);
    assert_eq!(air::aqi(e12, Report::Hourly, &r).unwrap().value, 50);
    // 100 + 50 · (100 − 60) / (115 − 60) = 136.36 → 137.
    assert_eq!(
        air::aqi(Edition::V2026Transition, Report::Hourly, &r)
            .unwrap()
            .value,
        137
    );
    // Nothing to index.
    assert_eq!(air::aqi(e12, Report::Daily, &[]), None);
}

#[test]
fn editions_by_date() {
    assert_eq!(Edition::for_date(date(2024, 6, 1)), Edition::V2012);
    assert_eq!(Edition::for_date(date(2026, 2, 28)), Edition::V2012);
    assert_eq!(
        Edition::for_date(date(2026, 3, 1)),
        Edition::V2026Transition
    );
    assert_eq!(
        Edition::for_date(date(2030, 12, 31)),
        Edition::V2026Transition
    );
    assert_eq!(Edition::for_date(date(2031, 1, 1)), Edition::V2026Final);
    let pm = |e| air::limit(e, Pollutant::Pm25, Averaging::Year, Grade::II).unwrap();
    assert_eq!(pm(Edition::V2012), d("35"));
    assert_eq!(pm(Edition::V2026Transition), d("30"));
    assert_eq!(pm(Edition::V2026Final), d("25"));
    assert_eq!(
        air::limit(Edition::V2012, Pollutant::Co, Averaging::Year, Grade::II),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// HJ 663

#[test]
fn percentile_rule() {
    let v = |xs: &[&str]| xs.iter().map(|x| d(x)).collect::<Vec<_>>();
    // k = 1 + (n − 1)·p/100; m = X(s) + (X(s+1) − X(s))·(k − s).
    for (values, p, out) in [
        (
            v(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
            90,
            "9.1",
        ),
        (v(&["15", "20", "35", "40", "50"]), 40, "29"),
        (v(&["40", "15", "50", "35", "20"]), 40, "29"),
        (v(&["15", "20", "35", "40", "50"]), 100, "50"),
        (v(&["15", "20", "35", "40", "50"]), 0, "15"),
        (v(&["42"]), 95, "42"),
        (v(&["1", "2"]), 95, "1.95"),
        (v(&["1", "2"]), 98, "1.98"),
    ] {
        assert_eq!(air::percentile(&values, p), Some(d(out)), "{values:?} p{p}");
    }
    assert_eq!(air::percentile(&[], 95), None);
    // 365 daily values 1..=365: p95 at k = 1 + 364·0.95 = 346.8 → 346.8; p98 → 357.72; p90 → 328.6.
    let year: Vec<Decimal> = (1..=365).map(Decimal::from_i64).collect();
    assert_eq!(air::percentile(&year, 95), Some(d("346.8")));
    assert_eq!(air::percentile(&year, 98), Some(d("357.72")));
    assert_eq!(air::percentile(&year, 90), Some(d("328.6")));
    // Against the same formula in f64 (Excel PERCENTILE.INC / numpy "linear") on scattered data.
    let mut x = 12345u64;
    let data: Vec<Decimal> = (0..331)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Decimal::new(((x >> 33) % 2000) as i128, 1)
        })
        .collect();
    let mut f: Vec<f64> = data.iter().map(|v| v.to_f64()).collect();
    f.sort_by(|a, b| a.partial_cmp(b).unwrap());
    for p in [90u32, 95, 98] {
        let rank = (f.len() - 1) as f64 * p as f64 / 100.0;
        let lo = rank.floor() as usize;
        let want = f[lo] + (f[(lo + 1).min(f.len() - 1)] - f[lo]) * (rank - lo as f64);
        let got = air::percentile(&data, p).unwrap().to_f64();
        assert!((got - want).abs() < 1e-9, "p{p}: {got} vs {want}");
    }
}

fn hourly_day(day: NaiveDate, hours: &[u32], value: &str) -> Vec<(NaiveDateTime, Decimal)> {
    hours
        .iter()
        .map(|&h| (day.and_hms_opt(h, 0, 0).unwrap(), d(value)))
        .collect()
}

#[test]
fn daily_validity() {
    let day = date(2024, 5, 1);
    let all: Vec<u32> = (0..24).collect();
    // 20 hourly values make a day; 19 do not.
    let m = air::daily_means(&hourly_day(day, &all[..20], "30"));
    assert_eq!((m[0].value, m[0].count), (Some(d("30")), 20));
    let m = air::daily_means(&hourly_day(day, &all[..19], "30"));
    assert_eq!((m[0].value, m[0].count), (None, 19));
    // O3 daily max 8-h: 17 windows (hours 00–07 … 16–23), each needing 6 values; 14 make a day.
    let full = hourly_day(day, &all, "100");
    let m = air::daily_max_8h(&full, Some(d("160")));
    assert_eq!((m[0].value, m[0].count), (Some(d("100")), 17));
    // Hours 0–19 only: windows starting 0..=14 have ≥ 6 values (start 14: 14–19 = 6) → 15.
    let m = air::daily_max_8h(&hourly_day(day, &all[..20], "100"), Some(d("160")));
    assert_eq!(m[0].count, 15);
    assert!(m[0].value.is_some());
    // Hours 0–17: 13 valid windows → invalid, unless the max exceeds the limit.
    let m = air::daily_max_8h(&hourly_day(day, &all[..18], "100"), Some(d("160")));
    assert_eq!((m[0].count, m[0].value), (13, None));
    let m = air::daily_max_8h(&hourly_day(day, &all[..18], "170"), Some(d("160")));
    assert_eq!(m[0].value, Some(d("170")));
}

#[test]
fn annual_evaluation() {
    // A year of PM2.5 daily means: 30 every day except 20 days at 80.
    let days: Vec<(NaiveDate, Decimal)> = (0..366)
        .map(|i| {
            let day = date(2024, 1, 1) + chrono::Days::new(i);
            (day, if i % 18 == 0 { d("80") } else { d("30") })
        })
        .collect();
    let a = air::annual(Pollutant::Pm25, &days, Grade::II, Comparison::FullValue);
    assert_eq!(a.edition, Edition::V2012);
    assert!(a.validity.valid);
    assert_eq!(a.validity.days, 366);
    // Mean = (346·30 + 21·80 − …): 21 days at 80 (i = 0, 18, …, 360) and 345 at 30.
    assert_eq!(a.mean, Some(d("33")));
    assert_eq!(a.mean_exact.unwrap().round(d("0.01")), d("32.87"));
    assert_eq!(a.percentile_rank, 95);
    assert_eq!(a.percentile, Some(d("80")));
    assert_eq!(
        (a.annual_limit, a.daily_limit),
        (Some(d("35")), Some(d("75")))
    );
    // The percentile (80) exceeds the 24-h limit: not compliant.
    assert_eq!(a.meets, Some(false));
    // Judged in 2026 (transition), the annual limit is 30.
    let later: Vec<(NaiveDate, Decimal)> = days
        .iter()
        .map(|(dd, v)| (*dd + chrono::Days::new(365 * 2 + 1), *v))
        .collect();
    let a = air::annual(Pollutant::Pm25, &later, Grade::II, Comparison::FullValue);
    assert_eq!(a.edition, Edition::V2026Transition);
    assert_eq!(a.annual_limit, Some(d("30")));
    // Validity: a short month.
    let short: Vec<NaiveDate> = days
        .iter()
        .map(|(dd, _)| *dd)
        .filter(|dd| !(dd.month0() == 2 && dd.day0() < 5))
        .collect();
    let v = air::year_validity(&short);
    assert!(!v.valid);
    assert_eq!(v.short_months, vec![(3, 26, 27)]);
    // Comparison methods: a mean of 35.4 meets 35 by rounded value, not by full value.
    let days: Vec<(NaiveDate, Decimal)> = (0..10)
        .map(|i| (date(2024, 1, 1) + chrono::Days::new(i), d("35.4")))
        .collect();
    let full = air::annual(Pollutant::Pm25, &days, Grade::II, Comparison::FullValue);
    let rounded = air::annual(Pollutant::Pm25, &days, Grade::II, Comparison::Rounded);
    assert_eq!((full.meets, rounded.meets), (Some(false), Some(true)));
    // O3: only the 90th percentile of daily max 8-h means, against 160.
    let o3: Vec<(NaiveDate, Decimal)> = (0..100)
        .map(|i| {
            (
                date(2024, 1, 1) + chrono::Days::new(i),
                Decimal::from_i64(100 + i as i64),
            )
        })
        .collect();
    let a = air::annual(Pollutant::O3, &o3, Grade::II, Comparison::FullValue);
    assert_eq!(
        (a.mean, a.percentile, a.daily_limit),
        (None, Some(d("189")), Some(d("160")))
    );
    assert_eq!(a.meets, Some(false));
}

use chrono::Datelike;

// ---------------------------------------------------------------------------------------------
// CSV

#[test]
fn csv_long_format_with_duplicates_and_disorder() {
    let text = "\u{FEFF}点位,时间,项目,值,标识\n\
                大湖中心,2024-02-15,总磷,0.07,\n\
                大湖中心,2024-01-15,TP,0.09,\n\
                大湖中心,2024-01-15,溶解氧,8.1,\n\
                大湖中心,2024-01-15,总磷,0.085,复测\n\
                大湖中心,2024-03-15,氨氮,ND,\n\
                大湖中心,2024-03-15,铜,<0.01,\n\
                大湖中心,2024-03-15,石油类,—,\n";
    let mut opts = CsvOptions::water(true);
    opts.detection_limits = vec![(Item::Water(WaterItem::Nh3N), d("0.025"))];
    let p = parse_csv(text, &opts).unwrap();
    assert!(p.reordered);
    assert_eq!(p.blanks, 1);
    assert_eq!(p.duplicates.len(), 1);
    assert_eq!(
        (p.duplicates[0].dropped_row, p.duplicates[0].kept_row),
        (3, 5)
    );
    let s = &p.series;
    assert_eq!(s.sites.len(), 1);
    assert!(s.sites[0].lake);
    let tp = s.of(0, Item::Water(WaterItem::Tp));
    let values: Vec<String> = tp
        .iter()
        .map(|o| match o.value {
            ObsValue::Measured(v) => v.to_string(),
            ObsValue::BelowLimit(l) => format!("<{l}"),
        })
        .collect();
    assert_eq!(values, vec!["0.085", "0.07"]);
    assert_eq!(s.flag(&tp[0]), Some("复测"));
    let nh3 = s.of(0, Item::Water(WaterItem::Nh3N));
    assert_eq!(nh3[0].value, ObsValue::BelowLimit(d("0.025")));
    assert_eq!(nh3[0].value.for_mean(NonDetect::HalfLimit), d("0.0125"));
    let cu = s.of(0, Item::Water(WaterItem::Cu));
    assert_eq!(cu[0].value, ObsValue::BelowLimit(d("0.01")));
}

#[test]
fn csv_wide_format_english_headers() {
    let text = "time,site,SO2,NO2,CO,O3,PM10,pm25,O3_8h\n\
                2024-01-01 00:00,A,8,30,0.8,40,60,35,\n\
                2024-01-01 01:00,A,9,31,0.9,42,62,38,55\n";
    let p = parse_csv(text, &CsvOptions::air()).unwrap();
    assert_eq!(p.series.observations.len(), 13);
    assert_eq!(p.blanks, 1);
    assert!(!p.reordered);
    assert!(
        p.series
            .observations
            .is_sorted_by_key(|o| (o.site, o.item, o.time))
    );
    let pm = p.series.of(0, Item::Air(AirItem::Pm25));
    assert_eq!(pm.len(), 2);
    assert_eq!(pm[1].value, ObsValue::Measured(d("38")));
    // Configured header names, and a default site.
    let text = "采样日期;浓度;因子\n2024-06;1.2;GDP\n";
    let mut opts = CsvOptions::statistic();
    opts.delimiter = ';';
    opts.site = Some("大通湖区".into());
    opts.columns.value = Some("浓度".into());
    let p = parse_csv(text, &opts).unwrap();
    assert_eq!(p.series.statistics, vec!["GDP".to_string()]);
    assert_eq!(p.series.observations[0].time.date(), date(2024, 6, 30));
}

fn errors(text: &str, opts: &CsvOptions) -> Vec<(usize, String, CsvErrorKind)> {
    match parse_csv(text, opts) {
        Ok(p) => panic!("parsed: {:?}", p.series.observations.len()),
        Err(e) => e.into_iter().map(|e| (e.row, e.column, e.kind)).collect(),
    }
}

#[test]
fn csv_bad_input_names_row_and_column_and_returns_nothing() {
    let opts = CsvOptions::water(true);
    // A missing column.
    assert_eq!(
        errors("点位,项目,值\n大湖中心,总磷,0.07\n", &opts),
        vec![(1, "时间".to_string(), CsvErrorKind::MissingColumn)]
    );
    assert_eq!(
        errors("点位,时间,项目\n大湖中心,2024-01-15,总磷\n", &opts),
        vec![(1, "值".to_string(), CsvErrorKind::MissingColumn)]
    );
    // Bad cells: every one reported, with its line and column.
    let text = "点位,时间,项目,值\n\
                大湖中心,2024-01-15,总磷,0.07\n\
                大湖中心,2024-02-15,总磷,abc\n\
                大湖中心,2024-03-15,叶绿素b,0.1\n\
                大湖中心,2024-13-01,总磷,0.08\n\
                大湖中心,2024-04-15,总磷\n\
                大湖中心,2024-05-15,氨氮,ND\n";
    assert_eq!(
        errors(text, &opts),
        vec![
            (3, "值".to_string(), CsvErrorKind::NotANumber("abc".into())),
            (
                4,
                "项目".to_string(),
                CsvErrorKind::UnknownItem("叶绿素b".into())
            ),
            (
                5,
                "时间".to_string(),
                CsvErrorKind::BadTime("2024-13-01".into())
            ),
            (6, "值".to_string(), CsvErrorKind::MissingCell),
            (
                7,
                "值".to_string(),
                CsvErrorKind::NoDetectionLimit("ND".into())
            ),
        ]
    );
    // The messages say where, in Chinese.
    let e = parse_csv(text, &opts).unwrap_err();
    assert_eq!(e[0].to_string(), "第3行“值”列：不是数值：“abc”");
    assert_eq!(
        e[2].to_string(),
        "第5行“时间”列：无法识别的时间：“2024-13-01”"
    );
    // Wide format: an unknown column header is named on the header line.
    let text = "时间,站点,PM2.5,风速\n2024-01-01 00:00,A,35,2\n";
    assert_eq!(
        errors(text, &CsvOptions::air()),
        vec![(
            1,
            "风速".to_string(),
            CsvErrorKind::UnknownItem("风速".into())
        )]
    );
    let mut ignore = CsvOptions::air();
    ignore.ignore = vec!["风速".into()];
    assert!(parse_csv(text, &ignore).is_ok());
    // Nothing at all.
    assert_eq!(errors("\n\n", &opts)[0].2, CsvErrorKind::Empty);
}

#[test]
fn measurement_text() {
    assert_eq!(
        Measurement::parse("0.079"),
        Ok(Measurement::Value(d("0.079")))
    );
    assert_eq!(
        Measurement::parse("0.01L"),
        Ok(Measurement::BelowLimit(Some(d("0.01"))))
    );
    assert_eq!(Measurement::parse("ND"), Ok(Measurement::BelowLimit(None)));
    assert_eq!(
        Measurement::BelowLimit(Some(d("0.01"))).for_mean(NonDetect::Limit),
        Some(d("0.01"))
    );
}

// ---------------------------------------------------------------------------------------------
// The seed plan's targets

/// A made-up year of monthly samples of a lake point, as CSV: TP per month, the other items
/// constant; `codmn` the permanganate index of every month.
fn lake_year(year: i32, tp: &[&str; 12], codmn: &str, tn: &str) -> String {
    let mut csv = String::from("点位,时间,项目,值\n");
    for (m, tp) in tp.iter().enumerate() {
        let t = format!("{year}-{:02}-10", m + 1);
        for (item, v) in [
            ("总磷", *tp),
            ("高锰酸盐指数", codmn),
            ("溶解氧", "7.2"),
            ("pH", "7.8"),
            ("氨氮", "0.35"),
            ("化学需氧量", "18"),
            ("五日生化需氧量", "3.1"),
            ("总氮", tn),
        ] {
            csv.push_str(&format!("大湖中心,{t},{item},{v}\n"));
        }
    }
    csv
}

fn lake_series(text: &str) -> zhuanban_standards::series::Series {
    parse_csv(text, &CsvOptions::water(true)).unwrap().series
}

fn tp_target(comparison: Comparison, hardness: Hardness) -> EnvTarget {
    EnvTarget::year(
        EnvKind::Limit {
            metric: Metric::Water(WaterItem::Tp),
            cmp: Cmp::AtMost,
            value: d("0.08"),
            statistic: Statistic::Mean,
            comparison,
        },
        hardness,
        2024,
    )
}

fn class_target(hardness: Hardness, lake_tn: bool) -> EnvTarget {
    EnvTarget::year(
        EnvKind::Class {
            class: III,
            lake_tn,
            exclude: vec![WaterItem::Tp],
        },
        hardness,
        2024,
    )
}

// Twelve months averaging exactly 0.079 and 0.081.
const TP_079: [&str; 12] = [
    "0.060", "0.065", "0.070", "0.075", "0.085", "0.095", "0.100", "0.090", "0.080", "0.075",
    "0.080", "0.073",
];
const TP_081: [&str; 12] = [
    "0.060", "0.065", "0.070", "0.075", "0.085", "0.095", "0.100", "0.090", "0.080", "0.075",
    "0.080", "0.097",
];

#[test]
fn seed_water_target_a_year_of_samples() {
    let end = date(2024, 12, 31);
    let met = lake_series(&lake_year(2024, &TP_079, "5.2", "1.1"));
    let j = judge(&tp_target(Comparison::FullValue, Hardness::Firm), &met, end);
    assert_eq!(j.status, Status::Met, "{}", j.reason);
    assert!(j.r#final);
    assert_eq!(j.value.unwrap().round_dp(3), d("0.079"));
    assert_eq!(j.count, 12);
    assert!(j.reason.contains("总磷均值0.079mg/L"), "{}", j.reason);

    let missed = lake_series(&lake_year(2024, &TP_081, "5.2", "1.1"));
    let j = judge(
        &tp_target(Comparison::FullValue, Hardness::Firm),
        &missed,
        end,
    );
    assert_eq!(j.status, Status::Missed, "{}", j.reason);
    assert!(j.reason.contains("0.081"), "{}", j.reason);
    // 修约值比较法: 0.081 rounds to 0.08 at the bound's two places, and meets.
    let j = judge(
        &tp_target(Comparison::Rounded, Hardness::Firm),
        &missed,
        end,
    );
    assert_eq!(j.status, Status::Met, "{}", j.reason);

    // "其他指标达到III类": TP (lake class IV) has its own target and is left out.
    let j = judge(&class_target(Hardness::Firm, false), &met, end);
    assert_eq!(
        (j.status, j.class),
        (Status::Met, Some(III)),
        "{}",
        j.reason
    );
    assert!(j.reason.contains("总磷另有目标"), "{}", j.reason);
    // A year with one item (CODMn 7.0, class IV) is not III类.
    let iv = lake_series(&lake_year(2024, &TP_079, "7.0", "1.1"));
    let j = judge(&class_target(Hardness::Plain, false), &iv, end);
    assert_eq!(
        (j.status, j.class),
        (Status::Missed, Some(IV)),
        "{}",
        j.reason
    );
    assert_eq!(j.exceedances.len(), 1);
    assert_eq!(j.exceedances[0].item, WaterItem::CodMn);
    assert_eq!(j.exceedances[0].multiple, Some(d("0.17")));
    assert!(
        j.reason
            .contains("高锰酸盐指数均值7mg/L（IV类，超标0.17倍）"),
        "{}",
        j.reason
    );
    // Mid-year the same is "not met yet"; a firm target is judged one grade worse.
    let mid = date(2024, 6, 30);
    assert_eq!(
        judge(&class_target(Hardness::Plain, false), &iv, mid).status,
        Status::NotMet
    );
    assert_eq!(
        judge(&class_target(Hardness::Firm, false), &iv, mid).status,
        Status::Missed
    );
    // Lake TN counted as a plan setting: TN 1.1 is class IV.
    let j = judge(&class_target(Hardness::Plain, true), &met, end);
    assert_eq!(
        (j.status, j.class),
        (Status::Missed, Some(IV)),
        "{}",
        j.reason
    );
    assert_eq!(
        judge(&class_target(Hardness::Plain, false), &met, end).status,
        Status::Met
    );
}

/// Monthly lake samples: (year, month, TP); the other items constant.
fn lake_months(rows: &[(i32, u32, &str)]) -> String {
    let mut csv = String::from("点位,时间,项目,值\n");
    for (y, m, tp) in rows {
        csv.push_str(&format!("大湖中心,{y}-{m:02}-10,总磷,{tp}\n"));
        csv.push_str(&format!("大湖中心,{y}-{m:02}-10,高锰酸盐指数,5\n"));
    }
    csv
}

#[test]
fn seed_water_target_projection() {
    // 2023: a bad second half (0.12); 2024: a good first half.
    let y2023: Vec<(i32, u32, &str)> = (1..=12)
        .map(|m| (2023, m, if m <= 6 { "0.06" } else { "0.12" }))
        .collect();
    let y2024: Vec<(i32, u32, &str)> = (1..=6)
        .map(|m| (2024, m, if m == 6 { "0.07" } else { "0.06" }))
        .collect();
    let both = lake_series(&lake_months(&[y2023, y2024.clone()].concat()));
    let t = tp_target(Comparison::FullValue, Hardness::Plain);
    // As of June: mean so far 0.0617, but last year's July–December (0.12) pull the projected
    // mean to (0.37 + 6 × 0.12) / 12 = 0.0908.
    let j = judge(&t, &both, date(2024, 6, 30));
    assert_eq!(j.status, Status::AtRisk, "{}", j.reason);
    assert_eq!(j.value.unwrap().round_dp(4), d("0.0617"));
    assert_eq!(j.projection.unwrap().round_dp(4), d("0.0908"));
    assert!(j.reason.contains("按上年同期月均值外推"), "{}", j.reason);
    assert!(!j.r#final);
    // Firm: at risk is judged one grade worse.
    let firm = tp_target(Comparison::FullValue, Hardness::Firm);
    assert_eq!(
        judge(&firm, &both, date(2024, 6, 30)).status,
        Status::Missed
    );
    // Without last year, the projection is the mean so far: met.
    let only = lake_series(&lake_months(&y2024));
    let j = judge(&t, &only, date(2024, 6, 30));
    assert_eq!(j.status, Status::Met, "{}", j.reason);
    assert_eq!(j.projection.unwrap().round_dp(4), d("0.0617"));
    // A mean so far above the bound is at risk whatever the projection.
    let high = lake_series(&lake_months(&[(2024, 1, "0.09"), (2024, 2, "0.085")]));
    let j = judge(&t, &high, date(2024, 2, 29));
    assert_eq!(j.status, Status::AtRisk, "{}", j.reason);
    assert!(j.reason.contains("已超出目标"), "{}", j.reason);
    // Before the period: not started; no data at the end: missed.
    assert_eq!(
        judge(&t, &only, date(2023, 12, 1)).status,
        Status::NotStarted
    );
    let t25 = EnvTarget::year(t.kind.clone(), Hardness::Plain, 2025);
    assert_eq!(
        judge(&t25, &only, date(2025, 12, 31)).status,
        Status::Missed
    );
    assert_eq!(judge(&t25, &only, date(2025, 6, 30)).status, Status::NoData);
}

#[test]
fn air_target_from_hourly_data() {
    // One station, 2024, PM2.5 hourly: 30 in the first half, 40 in the second half.
    let mut text = String::from("时间,站点,PM2.5\n");
    let mut day = date(2024, 1, 1);
    while day <= date(2024, 12, 31) {
        let v = if day < date(2024, 7, 1) { 30 } else { 40 };
        for h in 0..24 {
            text.push_str(&format!("{day} {h:02}:00,城区站,{v}\n"));
        }
        day = day.succ_opt().unwrap();
    }
    let s = parse_csv(&text, &CsvOptions::air()).unwrap().series;
    let t = EnvTarget::year(
        EnvKind::Limit {
            metric: Metric::Air(AirItem::Pm25),
            cmp: Cmp::AtMost,
            value: d("35"),
            statistic: Statistic::Mean,
            comparison: Comparison::FullValue,
        },
        Hardness::Stretch,
        2024,
    );
    let j = judge(&t, &s, date(2024, 6, 30));
    assert_eq!(j.status, Status::Met, "{}", j.reason);
    assert_eq!(j.count, 182);
    let j = judge(&t, &s, date(2024, 12, 31));
    // (182·30 + 184·40) / 366 = 35.03 > 35.
    assert_eq!(j.status, Status::Missed, "{}", j.reason);
    assert_eq!(j.value.unwrap().round_dp(2), d("35.03"));
    assert!(j.reason.contains("有效366天"), "{}", j.reason);
}

#[test]
fn growth_target_on_the_latest_statistic() {
    let text = "时间,指标,值\n2023-06,地区生产总值,100\n2024-03,地区生产总值,50\n2024-06,地区生产总值,106.5\n";
    let mut opts = CsvOptions::statistic();
    opts.site = Some("大通湖区".into());
    let s = parse_csv(text, &opts).unwrap().series;
    assert_eq!(s.sites[0].kind, SiteKind::Statistic);
    let target = |basis, value: &str| {
        EnvTarget::year(
            EnvKind::Growth {
                metric: Metric::Statistic("地区生产总值".into()),
                cmp: Cmp::AtLeast,
                value: d(value),
                basis,
            },
            Hardness::Plain,
            2024,
        )
    };
    let j = judge(&target(GrowthBasis::YearOnYear, "6"), &s, date(2024, 7, 15));
    assert_eq!(
        (j.status, j.value),
        (Status::Met, Some(d("6.50"))),
        "{}",
        j.reason
    );
    let j = judge(&target(GrowthBasis::YearOnYear, "7"), &s, date(2024, 7, 15));
    assert_eq!(j.status, Status::NotMet, "{}", j.reason);
    let j = judge(
        &target(GrowthBasis::YearOnYear, "7"),
        &s,
        date(2024, 12, 31),
    );
    assert_eq!(j.status, Status::Missed, "{}", j.reason);
    // As a reported rate, the latest value is the rate.
    let text = "时间,指标,值\n2024-03,地区生产总值增速,5.8\n2024-06,地区生产总值增速,6.2\n";
    let s = parse_csv(text, &opts).unwrap().series;
    let t = EnvTarget::year(
        EnvKind::Growth {
            metric: Metric::Statistic("地区生产总值增速".into()),
            cmp: Cmp::AtLeast,
            value: d("6"),
            basis: GrowthBasis::Rate,
        },
        Hardness::Plain,
        2024,
    );
    assert_eq!(judge(&t, &s, date(2024, 4, 30)).status, Status::NotMet);
    assert_eq!(judge(&t, &s, date(2024, 7, 31)).status, Status::Met);
}

#[test]
fn daily_aqi_of_a_series() {
    let mut daily = BTreeMap::new();
    daily.insert(
        Pollutant::Pm25,
        vec![
            (date(2026, 2, 28), d("47.6")),
            (date(2026, 3, 1), d("47.6")),
        ],
    );
    let a = air::daily_aqi(&daily);
    // The edition follows each day's date.
    assert_eq!(a[0].1.value, 66);
    assert_eq!(a[1].1.value, 76);
}
