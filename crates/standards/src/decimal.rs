//! Exact decimal numbers for measurements, and GB/T 8170-2008 rounding (数值修约).
//!
//! Measurements are read from their decimal text and kept exact: `0.079` is 79 × 10⁻³, not the
//! nearest binary fraction. Rounding follows GB/T 8170 "四舍六入五成双" (round half to even at a
//! rounding interval), applied **once**, straight from the exact value — never in successive
//! steps and never on an `f64` (28.175 has no exact binary form). Means and quotients are kept
//! exact ([`Mean`], [`Decimal::div_round`]) until the one rounding.
//!
//! Why our own type rather than `rust_decimal`: the figures here need only add, subtract,
//! multiply, exact comparison and one rounded division; an `i128` mantissa with a decimal scale
//! does all of it with no dependency, and a quotient (a mean, an IAQI) is rounded from its exact
//! remainder rather than from a 28-digit intermediate (which would be a second rounding).
//!
//! Below-detection-limit results ("ND", "未检出", "<0.01", "0.01L") are a [`Measurement`]; for
//! means they are replaced by half the detection limit by default ([`NonDetect`]). The
//! reference figures (`data/standards.md`) do not cover this; half the limit is the usual
//! practice of Chinese surface-water evaluation ("低于检出限的按1/2检出限参加统计", from memory,
//! not cross-checked), and the policy is a setting.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Add, Mul, Neg, Sub};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most decimal places a [`Decimal`] keeps.
pub const MAX_SCALE: u32 = 28;

/// An exact decimal number: `mantissa × 10^(−scale)`. The scale is kept as written ("1.0" has
/// scale 1 and prints as "1.0"), but equality, order and hashing are by value (1.0 == 1.00).
#[derive(Clone, Copy)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Why a text is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("空值")]
    Empty,
    #[error("不是数值：“{0}”")]
    Invalid(String),
    #[error("数值位数过多：“{0}”")]
    TooLong(String),
}

/// How a quotient is rounded to its last kept digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// GB/T 8170 四舍六入五成双 (round half to even).
    HalfEven,
    /// Towards +∞ (向上进位取整, as HJ 633 does for IAQI).
    Ceiling,
    /// Towards −∞.
    Floor,
}

const fn pow10(n: u32) -> i128 {
    let mut p: i128 = 1;
    let mut i = 0;
    while i < n {
        p *= 10;
        i += 1;
    }
    p
}

const POW10: [i128; 39] = {
    let mut t = [0i128; 39];
    let mut i = 0;
    while i < 39 {
        t[i] = pow10(i as u32);
        i += 1;
    }
    t
};

fn p10(n: u32) -> Option<i128> {
    POW10.get(n as usize).copied()
}

/// `n / d` rounded by `mode`; `d` must be positive.
fn div_round_int(n: i128, d: i128, mode: Rounding) -> i128 {
    debug_assert!(d > 0);
    match mode {
        Rounding::Floor => n.div_euclid(d),
        Rounding::Ceiling => {
            let q = n.div_euclid(d);
            if n.rem_euclid(d) != 0 { q + 1 } else { q }
        }
        Rounding::HalfEven => {
            // Round the magnitude, then restore the sign (GB/T 8170 rule 5; half-even is
            // symmetric anyway).
            let neg = n < 0;
            let a = n.unsigned_abs();
            let d = d as u128;
            let mut q = a / d;
            let r = a % d;
            let rest = d - r;
            if r > rest || (r == rest && q % 2 == 1) {
                q += 1;
            }
            let q = q as i128;
            if neg { -q } else { q }
        }
    }
}

impl Decimal {
    pub const ZERO: Decimal = Decimal::new(0, 0);
    pub const ONE: Decimal = Decimal::new(1, 0);

    /// `mantissa × 10^(−scale)`. Panics when the scale exceeds [`MAX_SCALE`].
    pub const fn new(mantissa: i128, scale: u32) -> Decimal {
        assert!(scale <= MAX_SCALE, "decimal scale too large");
        Decimal { mantissa, scale }
    }

    /// A decimal literal for tables, checked at compile time: `Decimal::lit("0.025")`. Plain
    /// notation only (sign, digits, one point).
    pub const fn lit(s: &str) -> Decimal {
        let b = s.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            neg = b[i] == b'-';
            i += 1;
        }
        let mut m: i128 = 0;
        let mut scale = 0u32;
        let mut point = false;
        let mut digits = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'.' {
                assert!(!point, "two decimal points");
                point = true;
            } else {
                assert!(c.is_ascii_digit(), "not a decimal literal");
                m = m * 10 + (c - b'0') as i128;
                digits += 1;
                if point {
                    scale += 1;
                }
            }
            i += 1;
        }
        assert!(digits > 0 && digits <= 30, "bad decimal literal");
        Decimal::new(if neg { -m } else { m }, scale)
    }

    /// Reads a decimal number: optional sign, digits with at most one point, an optional
    /// exponent ("5E-05", as spreadsheets export small values). Surrounding whitespace is
    /// ignored. At most 30 significant digits and [`MAX_SCALE`] decimal places.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(DecimalError::Empty);
        }
        let bad = || DecimalError::Invalid(text.trim().to_string());
        let b = s.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if b[0] == b'-' || b[0] == b'+' {
            neg = b[0] == b'-';
            i = 1;
        }
        let mut m: i128 = 0;
        let mut fast: u64 = 0;
        let mut digits = 0u32;
        let mut significant = 0u32;
        let mut frac = 0i64;
        let mut point = false;
        while i < b.len() {
            let c = b[i];
            match c {
                b'0'..=b'9' => {
                    digits += 1;
                    if significant > 0 || c != b'0' {
                        significant += 1;
                    }
                    if significant > 30 {
                        return Err(DecimalError::TooLong(s.to_string()));
                    }
                    if significant <= 18 {
                        fast = fast * 10 + (c - b'0') as u64;
                    } else {
                        if significant == 19 {
                            m = fast as i128;
                        }
                        m = m * 10 + (c - b'0') as i128;
                    }
                    if point {
                        frac += 1;
                    }
                }
                b'.' if !point => point = true,
                b'e' | b'E' => break,
                _ => return Err(bad()),
            }
            i += 1;
        }
        if significant <= 18 {
            m = fast as i128;
        }
        if digits == 0 {
            return Err(bad());
        }
        let mut exp = 0i64;
        if i < b.len() {
            // Exponent.
            i += 1;
            let mut eneg = false;
            if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                eneg = b[i] == b'-';
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() && i - start < 4 {
                exp = exp * 10 + (b[i] - b'0') as i64;
                i += 1;
            }
            if i == start || i != b.len() {
                return Err(bad());
            }
            if eneg {
                exp = -exp;
            }
        }
        let mut scale = frac - exp;
        if scale < 0 {
            let k = (-scale) as u32;
            m = p10(k)
                .and_then(|p| m.checked_mul(p))
                .filter(|_| significant + k <= 30)
                .ok_or_else(|| DecimalError::TooLong(s.to_string()))?;
            scale = 0;
        }
        if scale > MAX_SCALE as i64 {
            return Err(DecimalError::TooLong(s.to_string()));
        }
        Ok(Decimal::new(if neg { -m } else { m }, scale as u32))
    }

    pub fn from_i64(v: i64) -> Decimal {
        Decimal::new(v as i128, 0)
    }

    pub fn mantissa(self) -> i128 {
        self.mantissa
    }

    pub fn scale(self) -> u32 {
        self.scale
    }

    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    pub fn abs(self) -> Decimal {
        Decimal::new(self.mantissa.abs(), self.scale)
    }

    /// The nearest `f64`, for display, charts and the logarithms of the trophic index; never
    /// for rounding or comparing with a limit.
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The same value without trailing zeros after the point ("1.50" → "1.5", "2.0" → "2").
    pub fn normalize(self) -> Decimal {
        let (mut m, mut s) = (self.mantissa, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        Decimal::new(m, s)
    }

    /// The same value written with `scale` decimal places, when that is exact and fits.
    pub fn rescale(self, scale: u32) -> Option<Decimal> {
        if scale > MAX_SCALE {
            return None;
        }
        if scale >= self.scale {
            let m = self.mantissa.checked_mul(p10(scale - self.scale)?)?;
            Some(Decimal::new(m, scale))
        } else {
            let p = p10(self.scale - scale)?;
            (self.mantissa % p == 0).then(|| Decimal::new(self.mantissa / p, scale))
        }
    }

    /// Both mantissas at the larger of the two scales.
    fn aligned(self, other: Decimal) -> Option<(i128, i128, u32)> {
        let s = self.scale.max(other.scale);
        Some((self.rescale(s)?.mantissa, other.rescale(s)?.mantissa, s))
    }

    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other)?;
        Some(Decimal::new(a.checked_add(b)?, s))
    }

    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other)?;
        Some(Decimal::new(a.checked_sub(b)?, s))
    }

    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let m = self.mantissa.checked_mul(other.mantissa)?;
        let s = self.scale + other.scale;
        if s <= MAX_SCALE {
            return Some(Decimal::new(m, s));
        }
        // Only exact results: drop trailing zeros beyond the maximum scale.
        let p = p10(s - MAX_SCALE)?;
        (m % p == 0).then(|| Decimal::new(m / p, MAX_SCALE))
    }

    /// `self / divisor` rounded once, by `mode`, to `scale` decimal places. None when the
    /// divisor is zero or the figures overflow.
    pub fn div_round(self, divisor: Decimal, scale: u32, mode: Rounding) -> Option<Decimal> {
        if divisor.is_zero() || scale > MAX_SCALE {
            return None;
        }
        // self / divisor = (a / 10^sa) / (b / 10^sb); the result's mantissa is
        // a · 10^(scale + sb − sa) / b.
        let (mut a, mut b) = (self.mantissa, divisor.mantissa);
        if b < 0 {
            a = a.checked_neg()?;
            b = b.checked_neg()?;
        }
        let e = scale as i64 + divisor.scale as i64 - self.scale as i64;
        if e >= 0 {
            a = a.checked_mul(p10(e as u32)?)?;
        } else {
            b = b.checked_mul(p10((-e) as u32)?)?;
        }
        Some(Decimal::new(div_round_int(a, b, mode), scale))
    }

    /// GB/T 8170 rounding to a rounding interval (修约间隔): `interval` 0.01 keeps two decimals,
    /// 100 rounds to hundreds, 0.5 and 0.2 are the standard's half- and fifth-unit roundings.
    /// The result is written with the interval's decimal places ("1.050" at 0.1 → "1.0").
    /// Panics when the interval is not positive.
    pub fn round(self, interval: Decimal) -> Decimal {
        self.round_with(interval, Rounding::HalfEven)
    }

    /// Rounding to an interval by another mode (the IAQI's round-up).
    pub fn round_with(self, interval: Decimal, mode: Rounding) -> Decimal {
        assert!(interval.mantissa > 0, "rounding interval must be positive");
        let (a, b, _) = self.aligned(interval).expect("decimal overflow");
        let q = div_round_int(a, b, mode);
        Decimal::new(
            q.checked_mul(interval.mantissa).expect("decimal overflow"),
            interval.scale,
        )
    }

    /// GB/T 8170 rounding to `places` decimal places.
    pub fn round_dp(self, places: u32) -> Decimal {
        self.round(Decimal::new(1, places))
    }

    /// GB/T 8170 rounding to `digits` significant digits ("8.53459" → "8.53" at 3).
    pub fn round_sig(self, digits: u32) -> Decimal {
        assert!(digits > 0, "at least one significant digit");
        if self.is_zero() {
            return self;
        }
        let len = self.mantissa.unsigned_abs().ilog10() as i64 + 1;
        // The exponent of the last kept digit.
        let last = len - self.scale as i64 - digits as i64;
        let interval = if last >= 0 {
            Decimal::new(pow10(last as u32), 0)
        } else {
            Decimal::new(1, (-last) as u32)
        };
        self.round(interval)
    }

    /// Half of the value, exactly (one more decimal place).
    pub fn half(self) -> Decimal {
        if self.scale < MAX_SCALE {
            Decimal::new(self.mantissa * 5, self.scale + 1)
        } else {
            self.div_round(Decimal::from_i64(2), MAX_SCALE, Rounding::HalfEven)
                .expect("decimal overflow")
        }
    }

    /// Integer and fractional parts, the fraction at [`MAX_SCALE`] places: a comparable key
    /// that never overflows.
    fn key(self) -> (i128, i128) {
        let p = POW10[self.scale as usize];
        let int = self.mantissa / p;
        let frac = (self.mantissa % p) * POW10[(MAX_SCALE - self.scale) as usize];
        (int, frac)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.scale == other.scale {
            return self.mantissa.cmp(&other.mantissa);
        }
        self.key().cmp(&other.key())
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let s = self.scale as usize;
        if s == 0 {
            return write!(f, "{sign}{digits}");
        }
        if digits.len() > s {
            let (i, d) = digits.split_at(digits.len() - s);
            write!(f, "{sign}{i}.{d}")
        } else {
            write!(f, "{sign}0.{}{digits}", "0".repeat(s - digits.len()))
        }
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s)
    }
}

impl From<i64> for Decimal {
    fn from(v: i64) -> Self {
        Decimal::from_i64(v)
    }
}

impl Add for Decimal {
    type Output = Decimal;
    fn add(self, rhs: Decimal) -> Decimal {
        self.checked_add(rhs).expect("decimal overflow")
    }
}

impl Sub for Decimal {
    type Output = Decimal;
    fn sub(self, rhs: Decimal) -> Decimal {
        self.checked_sub(rhs).expect("decimal overflow")
    }
}

impl Mul for Decimal {
    type Output = Decimal;
    fn mul(self, rhs: Decimal) -> Decimal {
        self.checked_mul(rhs).expect("decimal overflow")
    }
}

impl Neg for Decimal {
    type Output = Decimal;
    fn neg(self) -> Decimal {
        Decimal::new(-self.mantissa, self.scale)
    }
}

impl std::iter::Sum for Decimal {
    fn sum<I: Iterator<Item = Decimal>>(iter: I) -> Decimal {
        iter.fold(Decimal::ZERO, |a, b| a + b)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Decimal::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How a measured value is compared with a limit (GB/T 8170 §4.3; its default is memory in the
/// reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// 全数值比较法: the unrounded value against the limit (the standard's default when the
    /// limit says nothing else). 0.0804 does not meet ≤ 0.08.
    #[default]
    FullValue,
    /// 修约值比较法: the value first rounded (once, half-even) to the limit's digits (for air
    /// statistics: to the reported digits). 0.0804 → 0.08 meets ≤ 0.08.
    Rounded,
}

/// An exact arithmetic mean: the sum and the count, so that comparing it with a limit and
/// rounding it are both exact (one rounding, from the true quotient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mean {
    sum: Decimal,
    count: u64,
}

impl Mean {
    /// The mean of some values; None when there are none.
    pub fn of(values: impl IntoIterator<Item = Decimal>) -> Option<Mean> {
        let mut m = Mean {
            sum: Decimal::ZERO,
            count: 0,
        };
        for v in values {
            m.push(v);
        }
        (m.count > 0).then_some(m)
    }

    pub fn from_sum(sum: Decimal, count: u64) -> Option<Mean> {
        (count > 0).then_some(Mean { sum, count })
    }

    pub fn push(&mut self, v: Decimal) {
        self.sum = self.sum + v;
        self.count += 1;
    }

    pub fn sum(&self) -> Decimal {
        self.sum
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean at `scale` decimal places, rounded half-even from the exact quotient (one
    /// rounding). Use a scale finer than any reported digit for intermediate figures.
    pub fn value(&self, scale: u32) -> Decimal {
        self.sum
            .div_round(
                Decimal::from_i64(self.count as i64),
                scale,
                Rounding::HalfEven,
            )
            .expect("decimal overflow")
    }

    /// The mean as exactly as it is worth keeping: at six more decimal places than the
    /// values summed (at most [`MAX_SCALE`]).
    pub fn fine(&self) -> Decimal {
        self.value((self.sum.scale + 6).min(MAX_SCALE))
    }

    /// GB/T 8170 rounding of the exact mean to an interval.
    pub fn round(&self, interval: Decimal) -> Decimal {
        assert!(interval.mantissa > 0, "rounding interval must be positive");
        let (a, b, _) = self.sum.aligned(interval).expect("decimal overflow");
        let b = b.checked_mul(self.count as i128).expect("decimal overflow");
        let q = div_round_int(a, b, Rounding::HalfEven);
        Decimal::new(q * interval.mantissa, interval.scale)
    }

    /// Exact comparison of the mean with a value (sum against value × count).
    pub fn cmp_to(&self, value: Decimal) -> Ordering {
        let scaled = value
            .checked_mul(Decimal::from_i64(self.count as i64))
            .expect("decimal overflow");
        self.sum.cmp(&scaled)
    }
}

/// A measured result as reported: a value, or below the detection limit (未检出).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measurement {
    Value(Decimal),
    /// Not detected; the detection limit when the text gave one ("<0.01", "0.01L", "ND(0.01)").
    BelowLimit(Option<Decimal>),
}

/// How a below-detection-limit result enters a mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonDetect {
    /// Half the detection limit (the default; see the module docs).
    #[default]
    HalfLimit,
    /// The detection limit itself (the conservative bound).
    Limit,
    /// Zero.
    Zero,
}

impl NonDetect {
    /// The value a result below `limit` stands for.
    pub fn substitute(self, limit: Decimal) -> Decimal {
        match self {
            NonDetect::HalfLimit => limit.half(),
            NonDetect::Limit => limit,
            NonDetect::Zero => Decimal::ZERO,
        }
    }
}

impl Measurement {
    /// Reads a result: a number, or a below-detection-limit mark — "ND", "N.D.", "未检出",
    /// "<0.01" / "＜0.01" / "小于0.01", "0.01L" (the limit followed by L, as Chinese monitoring
    /// reports write it), "ND(0.01)" / "未检出(0.01)".
    pub fn parse(text: &str) -> Result<Measurement, DecimalError> {
        let s = text.trim();
        if s.is_empty() {
            return Err(DecimalError::Empty);
        }
        if let Ok(d) = Decimal::parse(s) {
            return Ok(Measurement::Value(d));
        }
        let bad = || DecimalError::Invalid(s.to_string());
        let limit = |rest: &str| -> Result<Measurement, DecimalError> {
            let rest = rest.trim();
            if rest.is_empty() {
                return Ok(Measurement::BelowLimit(None));
            }
            let inner = rest
                .strip_prefix(['(', '（'])
                .and_then(|r| r.strip_suffix([')', '）']))
                .unwrap_or(rest);
            let d = Decimal::parse(inner).map_err(|_| bad())?;
            if d.is_negative() {
                return Err(bad());
            }
            Ok(Measurement::BelowLimit(Some(d)))
        };
        for mark in ["ND", "nd", "N.D.", "n.d.", "未检出", "未检"] {
            if let Some(rest) = s.strip_prefix(mark) {
                return limit(rest);
            }
        }
        for mark in ["<", "＜", "小于", "低于"] {
            if let Some(rest) = s.strip_prefix(mark) {
                if rest.trim().is_empty() {
                    return Err(bad());
                }
                return limit(rest);
            }
        }
        if let Some(rest) = s.strip_suffix(['L', 'l'])
            && let Ok(d) = Decimal::parse(rest)
            && !d.is_negative()
        {
            return Ok(Measurement::BelowLimit(Some(d)));
        }
        Err(bad())
    }

    /// The value for a mean: the measured value, or the substitute for a result below the
    /// limit; None for a below-limit result without a known limit.
    pub fn for_mean(self, policy: NonDetect) -> Option<Decimal> {
        match self {
            Measurement::Value(v) => Some(v),
            Measurement::BelowLimit(Some(l)) => Some(policy.substitute(l)),
            Measurement::BelowLimit(None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn parse_and_print() {
        for (s, out) in [
            ("0.079", "0.079"),
            ("-0.0365", "-0.0365"),
            ("+12", "12"),
            ("1.0", "1.0"),
            (".5", "0.5"),
            ("5E-05", "0.00005"),
            ("1.2e3", "1200"),
            (" 28.175 ", "28.175"),
            ("12345678901234567890.5", "12345678901234567890.5"),
        ] {
            assert_eq!(d(s).to_string(), out, "{s}");
        }
        for s in ["", "abc", "1.2.3", "1,5", "--1", "1e", "e5", "."] {
            assert!(Decimal::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn order_is_by_value() {
        assert_eq!(d("1.0"), d("1.00"));
        assert!(d("0.08") < d("0.0801"));
        assert!(d("-1.5") < d("-1.2"));
        assert!(d("-1") < d("-0.9"));
        assert_eq!(Decimal::lit("0.025"), d("0.025"));
        assert_eq!(d("1.50").normalize().to_string(), "1.5");
    }

    #[test]
    fn mean_is_exact() {
        let m = Mean::of(["0.1", "0.2", "0.2"].map(d)).unwrap();
        assert_eq!(m.cmp_to(d("0.1666")), Ordering::Greater);
        assert_eq!(m.cmp_to(d("0.1667")), Ordering::Less);
        assert_eq!(m.round(d("0.01")).to_string(), "0.17");
        assert_eq!(m.value(4).to_string(), "0.1667");
        // 0.125 exactly: half-even to 0.12.
        let m = Mean::of(["0.1", "0.15"].map(d)).unwrap();
        assert_eq!(m.round(d("0.01")).to_string(), "0.12");
    }

    #[test]
    fn measurements() {
        use Measurement::*;
        assert_eq!(Measurement::parse("0.079"), Ok(Value(d("0.079"))));
        assert_eq!(Measurement::parse("ND"), Ok(BelowLimit(None)));
        assert_eq!(Measurement::parse("<0.01"), Ok(BelowLimit(Some(d("0.01")))));
        assert_eq!(
            Measurement::parse("＜0.01"),
            Ok(BelowLimit(Some(d("0.01"))))
        );
        assert_eq!(Measurement::parse("0.01L"), Ok(BelowLimit(Some(d("0.01")))));
        assert_eq!(
            Measurement::parse("ND(0.004)"),
            Ok(BelowLimit(Some(d("0.004"))))
        );
        assert_eq!(Measurement::parse("未检出"), Ok(BelowLimit(None)));
        assert!(Measurement::parse("<").is_err());
        assert!(Measurement::parse("abc").is_err());
        assert_eq!(
            BelowLimit(Some(d("0.01"))).for_mean(NonDetect::HalfLimit),
            Some(d("0.005"))
        );
    }
}
