//! Percentages as documents print them: the one place they are computed.
//!
//! Every percentage in a bulletin, a ledger sheet or a status page comes from [`percent`] (one
//! figure) or [`shares`] (the parts of a whole). Both compute on exact decimals
//! ([`zhuanban_standards::decimal::Decimal`], read from the figures as written, never from a
//! binary fraction) and round **once** to one decimal place by GB/T 8170-2008 (数值修约规则,
//! 四舍六入五成双: round half to even).
//!
//! Decision on "6.25% → 6.3%": the standard rounds an exact 6.25 to one decimal as **6.2**
//! (the digit dropped is exactly 5 with nothing after it, and the kept digit 2 is even), while
//! 6.35 becomes 6.4 and 6.251 becomes 6.3 (more than half). We follow the standard, not the
//! schoolbook "round half up": an office cross-checking with a GB/T 8170 calculator gets the
//! same figure.
//!
//! Shares add up: the shares of a whole printed to one decimal always total exactly 100.0%.
//! Each share is first rounded by GB/T 8170; if the rounded shares do not total 100.0 (three
//! thirds give 33.3 × 3 = 99.9), the difference is given, 0.1 at a time, to the shares whose
//! exact value lies nearest the rounding boundary in the needed direction (the largest
//! remainders), earlier shares first on a tie. No share moves by more than 0.1.

use zhuanban_standards::decimal::{Decimal, Rounding};

/// A finite `f64` as the exact decimal of its shortest text ("0.1" is 1 × 10⁻¹).
fn exact(v: f64) -> Option<Decimal> {
    if v.is_finite() {
        Decimal::parse(&format!("{v}")).ok()
    } else {
        None
    }
}

/// `part / whole` as a percentage with one decimal ("33.3%"), rounded once by GB/T 8170 on the
/// exact decimal quotient: 1 of 16 (exactly 6.25%) is "6.2%", 0.0635 is "6.4%", 0.06251 is
/// "6.3%" (see the [module documentation](self) for the decision). None when `whole` is zero
/// or a figure is not a finite number.
pub fn percent(part: f64, whole: f64) -> Option<String> {
    let (p, w) = (exact(part)?, exact(whole)?);
    let pct = p
        .checked_mul(Decimal::from_i64(100))?
        .div_round(w, 1, Rounding::HalfEven)?;
    Some(format!("{pct}%"))
}

/// The shares of `counts` in their sum, each a percentage with one decimal ("37.5%"), that
/// always total exactly 100.0% (see the [module documentation](self)); "—" for every part when
/// the sum is zero.
pub fn shares(counts: &[usize]) -> Vec<String> {
    let total: u128 = counts.iter().map(|&c| c as u128).sum();
    if total == 0 {
        return counts.iter().map(|_| "—".to_owned()).collect();
    }
    // Each share in tenths of a percent: count × 1000 / total, rounded half to even; the
    // exact remainder (in units of 1/total tenths) decides who absorbs a difference.
    let mut tenths: Vec<i128> = Vec::with_capacity(counts.len());
    let mut errors: Vec<i128> = Vec::with_capacity(counts.len()); // exact − rounded, × total
    for &c in counts {
        let n = c as u128 * 1000;
        let q = Decimal::new(n as i128, 0)
            .div_round(Decimal::new(total as i128, 0), 0, Rounding::HalfEven)
            .map_or(0, Decimal::mantissa);
        tenths.push(q);
        errors.push(n as i128 - q * total as i128);
    }
    let mut diff: i128 = 1000 - tenths.iter().sum::<i128>();
    while diff != 0 {
        let step = diff.signum();
        // The share whose exact value is furthest above (step +1) or below (step −1) its
        // rounded value, among those that can move without going negative.
        let pick = (0..counts.len())
            .filter(|&i| counts[i] > 0 && tenths[i] + step >= 0)
            .max_by(|&a, &b| (errors[a] * step).cmp(&(errors[b] * step)).then(b.cmp(&a)));
        let Some(i) = pick else { break };
        tenths[i] += step;
        errors[i] -= step * total as i128;
        diff -= step;
    }
    tenths
        .into_iter()
        .map(|t| format!("{}%", Decimal::new(t, 1)))
        .collect()
}

/// A water-quality class as documents write it, in Roman numeral characters (Ⅰ … Ⅴ, 劣Ⅴ for
/// 6), never Latin letters ("III"): `3.0` → "Ⅲ". None for anything but a whole number 1–6.
pub fn class_numeral(v: f64) -> Option<&'static str> {
    const R: [&str; 6] = ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"];
    (v.fract() == 0.0 && (1.0..=6.0).contains(&v)).then(|| R[v as usize - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_in_roman_numeral_characters() {
        assert_eq!(class_numeral(3.0), Some("Ⅲ"));
        assert_eq!(class_numeral(6.0), Some("劣Ⅴ"));
        assert_eq!(class_numeral(2.5), None);
        assert_eq!(class_numeral(0.0), None);
        assert_eq!(class_numeral(f64::NAN), None);
        // The characters U+2160…, not Latin I and V.
        assert!(class_numeral(3.0).unwrap().chars().all(|c| !c.is_ascii()));
    }

    #[test]
    fn percentages_round_once_by_gbt_8170() {
        let p = |a, b| percent(a, b).unwrap();
        // The standard's half-even: exactly 6.25 keeps the even 2.
        assert_eq!(p(6.25, 100.0), "6.2%");
        assert_eq!(p(1.0, 16.0), "6.2%");
        assert_eq!(p(6.35, 100.0), "6.4%");
        assert_eq!(p(6.251, 100.0), "6.3%");
        assert_eq!(p(0.0645, 1.0), "6.4%");
        assert_eq!(p(1.0, 3.0), "33.3%");
        assert_eq!(p(2.0, 3.0), "66.7%");
        assert_eq!(p(0.0, 3.0), "0.0%");
        assert_eq!(p(3.0, 3.0), "100.0%");
        assert_eq!(percent(1.0, 0.0), None);
        assert_eq!(percent(f64::NAN, 1.0), None);
        assert_eq!(percent(1.0, f64::INFINITY), None);
    }

    fn total(v: &[String]) -> Decimal {
        v.iter()
            .map(|s| Decimal::parse(s.trim_end_matches('%')).unwrap())
            .fold(Decimal::ZERO, |a, b| a.checked_add(b).unwrap())
    }

    #[test]
    fn shares_add_up_to_one_hundred() {
        assert_eq!(shares(&[3, 5]), ["37.5%", "62.5%"]);
        assert_eq!(shares(&[1, 1, 1]), ["33.4%", "33.3%", "33.3%"]);
        assert_eq!(shares(&[2, 2, 2]), ["33.4%", "33.3%", "33.3%"]);
        // 1/16 = 6.25 → 6.2 (half-even) and 15/16 = 93.75 → 93.8: 100.0 without adjusting.
        assert_eq!(shares(&[1, 15]), ["6.2%", "93.8%"]);
        assert_eq!(shares(&[0, 4]), ["0.0%", "100.0%"]);
        assert_eq!(shares(&[0, 0]), ["—", "—"]);
        assert!(shares(&[]).is_empty());
        for counts in [
            vec![1, 1, 1, 1, 1, 1, 1],
            vec![3, 8, 1, 4],
            vec![1, 2, 3, 4, 5, 6],
            vec![7, 0, 11, 13],
            vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ] {
            let s = shares(&counts);
            assert_eq!(total(&s), Decimal::from_i64(100), "{counts:?} → {s:?}");
            // No share is more than 0.1 away from its exact value.
            let sum: usize = counts.iter().sum();
            for (c, v) in counts.iter().zip(&s) {
                let exact = *c as f64 * 100.0 / sum as f64;
                let got: f64 = v.trim_end_matches('%').parse().unwrap();
                assert!((exact - got).abs() < 0.1 + 1e-9, "{c}/{sum}: {got}");
            }
        }
    }
}
