//! The store's clock. Production reads the system clock. Debug builds (the test suite) honour
//! `ZHUANBAN_TEST_NOW` (RFC 3339), so that tests of due dates and late reports can run a real
//! process at a chosen moment; release builds ignore it, so no one can backdate a report.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Now, in UTC.
pub fn now() -> DateTime<Utc> {
    #[cfg(debug_assertions)]
    if let Ok(s) = std::env::var("ZHUANBAN_TEST_NOW")
        && let Ok(t) = DateTime::parse_from_rfc3339(s.trim())
    {
        return t.with_timezone(&Utc);
    }
    Utc::now()
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
