//! The store's clock. Production reads the system clock. Debug builds (the test suite) honour
//! `ZHUANBAN_TEST_NOW` (RFC 3339), so that tests of due dates and late reports can run a real
//! process at a chosen moment; release builds ignore it, so no one can backdate a report.
//!
//! A demonstration (`serve --demo`, `demo-data`) runs on its data's dates: [`set_demo_now`] moves
//! this process's clock to a chosen moment, from which it runs on at the pace of the wall clock.
//! Only the demonstration calls it (the tidy check refuses a call anywhere else), on a database
//! it has just filled with demonstration data; a server started on a real database never does.
//! Codes and signatures that another system checks against real time (TOTP, the robots'
//! request signatures) read [`wall_now`], never the demonstration's clock.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};

/// The demonstration's shift from the wall clock, in microseconds (0: none).
static SHIFT_MICROS: AtomicI64 = AtomicI64::new(0);

/// Now, in UTC.
pub fn now() -> DateTime<Utc> {
    #[cfg(debug_assertions)]
    if let Ok(s) = std::env::var("ZHUANBAN_TEST_NOW")
        && let Ok(t) = DateTime::parse_from_rfc3339(s.trim())
    {
        return t.with_timezone(&Utc);
    }
    Utc::now() + Duration::microseconds(SHIFT_MICROS.load(Ordering::Relaxed))
}

/// The real time, never shifted: for what other systems check against their own clocks.
pub fn wall_now() -> DateTime<Utc> {
    Utc::now()
}

/// Runs this process's clock from `at` on (a demonstration's date); `None` returns it to the
/// wall clock. Only for demonstrations: see the module's documentation.
pub fn set_demo_now(at: Option<DateTime<Utc>>) {
    let shift = at.map_or(0, |t| (t - Utc::now()).num_microseconds().unwrap_or(0));
    SHIFT_MICROS.store(shift, Ordering::Relaxed);
}

/// Whether the clock runs on a demonstration's date.
pub fn is_demo_time() -> bool {
    SHIFT_MICROS.load(Ordering::Relaxed) != 0
}

/// China Standard Time, UTC+8 (China has no daylight saving): the one offset every date and
/// time shown to people is in.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today in China Standard Time.
pub fn china_today() -> NaiveDate {
    now().with_timezone(&china()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demonstration_clock_starts_at_its_date_and_runs_on() {
        let at = DateTime::parse_from_rfc3339("2024-09-30T10:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        set_demo_now(Some(at));
        let t = now();
        assert!(t >= at && t - at < Duration::seconds(60), "{t}");
        assert_eq!(china_today(), NaiveDate::from_ymd_opt(2024, 9, 30).unwrap());
        assert!(is_demo_time());
        assert!(wall_now() - t > Duration::days(365));
        set_demo_now(None);
        assert!(!is_demo_time());
        assert!((now() - wall_now()).num_seconds().abs() < 60);
    }
}
