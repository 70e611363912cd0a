//! The years of the work calendar the office entered (a notice after the compiled table's):
//! kept as one setting (`calendar.added_years`, JSON) and handed to
//! [`zhuanban_ledger::calendar::set_added_years`] when the store opens, after each change and
//! at each pass of the dispatch worker (so that every server of one database counts the same
//! days within a minute of a change).

use zhuanban_ledger::calendar::{self, AddedYear};

use crate::{Actor, Db, Result, StoreError};

/// The setting that holds the office's years.
pub const CALENDAR_KEY: &str = "calendar.added_years";

impl Db {
    /// The office's years as stored, now also in use by the calendar.
    pub async fn load_calendar(&self) -> Result<Vec<AddedYear>> {
        let years: Vec<AddedYear> = match self.setting(CALENDAR_KEY).await? {
            Some(v) => serde_json::from_str(&v).map_err(|e| {
                StoreError::invalid("calendar", format!("工作日历设置无法读取：{e}"))
            })?,
            None => vec![],
        };
        calendar::set_added_years(years.clone());
        Ok(years)
    }

    /// Adds (or replaces) one year the office entered; the calendar uses it at once.
    pub async fn save_calendar_year(&self, year: AddedYear, actor: &Actor) -> Result<()> {
        if !calendar::added_years().iter().any(|y| y.year == year.year)
            && calendar::covers(year.year)
        {
            return Err(StoreError::invalid(
                "year",
                format!("{}年的安排已收录，不能重复录入", year.year),
            ));
        }
        let mut years = self.load_calendar().await?;
        years.retain(|y| y.year != year.year);
        years.push(year);
        years.sort_by_key(|y| y.year);
        self.store_calendar(years, actor).await
    }

    /// Removes one year the office entered (its days are counted Monday–Friday again).
    pub async fn remove_calendar_year(&self, year: i32, actor: &Actor) -> Result<()> {
        let mut years = self.load_calendar().await?;
        let before = years.len();
        years.retain(|y| y.year != year);
        if years.len() == before {
            return Err(StoreError::invalid(
                "year",
                format!("没有办公室录入的{year}年安排"),
            ));
        }
        self.store_calendar(years, actor).await
    }

    async fn store_calendar(&self, years: Vec<AddedYear>, actor: &Actor) -> Result<()> {
        let json = serde_json::to_string(&years)
            .map_err(|e| StoreError::invalid("calendar", e.to_string()))?;
        self.set_setting(CALENDAR_KEY, &json, actor).await?;
        calendar::set_added_years(years);
        Ok(())
    }
}
