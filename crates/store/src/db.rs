//! One way to run a statement on either backend.
//!
//! The store's SQL is written once, in the subset SQLite and PostgreSQL (and the
//! PostgreSQL-compatible KingbaseES and openGauss) share: `$1`, `$2` … placeholders (SQLite reads
//! `$N` as the N-th argument), `TRUE`/`FALSE` for flags, `ON CONFLICT … DO NOTHING` instead of
//! `INSERT OR IGNORE`, `RETURNING` instead of the last row id, `CAST(SUM(…) AS BIGINT)` where an
//! integer sum is read. Where the two differ (JSON aggregation, the write lock), the statement is
//! chosen by [`Pool::is_pg`] next to its use.
//!
//! PostgreSQL-only features the statements use (besides the schema's, listed in
//! `migrations/postgres/0001_ledger.sql`), each also offered by KingbaseES and openGauss unless
//! said otherwise:
//! - `pg_advisory_xact_lock` — the store's write lock ([`crate::PG_WRITE_LOCK`]).
//! - `json_agg`, `json_build_array`, `CAST(… AS TEXT)` of a JSON value and of a double (its
//!   shortest exact text) — a report read in one statement (`ledger.rs`, `report_sql`).
//! - `LISTEN`/`NOTIFY` on `zhuanban_changes` — how a server hears of another's commits
//!   (`postgres.rs`). openGauss does not have them: there another server's commits would not
//!   refresh a server's cached judgement until the day changes (untested: no openGauss here).
//! - The batched report save (`group.rs`, PostgreSQL only): multi-argument `UNNEST … WITH
//!   ORDINALITY`, `LEFT JOIN LATERAL`, `= ANY(array)` and several statements in one message of
//!   the simple query protocol; migration 6's row-level triggers in a `DO` block. KingbaseES and
//!   openGauss document these; untested on them.
//!
//! The types here mirror sqlx's own (`query`, `query_as`, `query_scalar`, `bind`, `execute`,
//! `fetch_one` …) over an enum of the two drivers, so a statement reads as it would with sqlx.
//! Arguments are the four kinds of value the schema holds (integer, real, text, flag), each
//! possibly NULL; rows decode the plain types both drivers decode (see [`Get`]). The ledger's
//! ids (`TaskId`, `UnitId` …) bind and decode as the integers they are in the database.

use std::sync::Arc;

use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{ColumnIndex, Decode, Postgres, Sqlite, Type};

use crate::Result;
use crate::audit::Keyring;

/// A connection pool of either backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl Pool {
    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Pool::Pg(_))
    }
}

/// An open transaction of either backend, with the audit keyring its audit records are
/// chained with.
pub(crate) struct Tx {
    pub(crate) inner: TxInner,
    pub(crate) keyring: Arc<Keyring>,
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Pg(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Where a statement runs: a pool (a connection of it for this statement) or a connection
/// (in a transaction).
pub(crate) enum Ex<'a> {
    SqlitePool(&'a SqlitePool),
    PgPool(&'a PgPool),
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

impl<'a> From<&'a Pool> for Ex<'a> {
    fn from(p: &'a Pool) -> Self {
        match p {
            Pool::Sqlite(p) => Ex::SqlitePool(p),
            Pool::Pg(p) => Ex::PgPool(p),
        }
    }
}

impl<'a> From<&'a mut Tx> for Ex<'a> {
    fn from(t: &'a mut Tx) -> Self {
        match &mut t.inner {
            TxInner::Sqlite(t) => Ex::Sqlite(&mut *t),
            TxInner::Pg(t) => Ex::Pg(&mut *t),
        }
    }
}

impl<'a> From<&'a mut SqliteConnection> for Ex<'a> {
    fn from(c: &'a mut SqliteConnection) -> Self {
        Ex::Sqlite(c)
    }
}

impl<'a> From<&'a mut PgConnection> for Ex<'a> {
    fn from(c: &'a mut PgConnection) -> Self {
        Ex::Pg(c)
    }
}

/// A statement's argument.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Flag(Option<bool>),
}

macro_rules! arg_from {
    ($t:ty, $v:ident, $e:expr) => {
        impl From<$t> for Arg {
            fn from($v: $t) -> Self {
                $e
            }
        }
    };
}

arg_from!(i64, v, Arg::Int(Some(v)));
arg_from!(Option<i64>, v, Arg::Int(v));
arg_from!(&i64, v, Arg::Int(Some(*v)));
arg_from!(i32, v, Arg::Int(Some(v.into())));
arg_from!(u32, v, Arg::Int(Some(v.into())));
arg_from!(f64, v, Arg::Real(Some(v)));
arg_from!(Option<f64>, v, Arg::Real(v));
arg_from!(bool, v, Arg::Flag(Some(v)));
arg_from!(Option<bool>, v, Arg::Flag(v));
arg_from!(String, v, Arg::Text(Some(v)));
arg_from!(&String, v, Arg::Text(Some(v.clone())));
arg_from!(&str, v, Arg::Text(Some(v.to_string())));
arg_from!(&&str, v, Arg::Text(Some(v.to_string())));
arg_from!(Option<String>, v, Arg::Text(v));
arg_from!(Option<&String>, v, Arg::Text(v.cloned()));
arg_from!(Option<&str>, v, Arg::Text(v.map(str::to_string)));
arg_from!(&Option<String>, v, Arg::Text(v.clone()));
arg_from!(&Arg, v, v.clone());

/// The ids of `zhuanban_ledger` bind as the integers they are in the database.
macro_rules! arg_from_id {
    ($($t:ty),+) => {
        $(
            arg_from!($t, v, Arg::Int(Some(v.get())));
            arg_from!(Option<$t>, v, Arg::Int(v.map(<$t>::get)));
            arg_from!(&$t, v, Arg::Int(Some(v.get())));
        )+
    };
}

/// Each id type of `zhuanban_ledger`, given to a macro: the one list of them.
macro_rules! with_ids {
    ($m:ident) => {
        $m!(
            zhuanban_ledger::TaskId,
            zhuanban_ledger::TargetId,
            zhuanban_ledger::MilestoneId,
            zhuanban_ledger::RoundId,
            zhuanban_ledger::UnitId,
            zhuanban_ledger::AccountId
        );
    };
}

with_ids!(arg_from_id);

/// A statement and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    sql: std::borrow::Cow<'static, str>,
    args: Vec<Arg>,
}

/// A statement (`$1`, `$2` … for its arguments).
pub(crate) fn query(sql: impl Into<std::borrow::Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

/// A statement whose rows are read as `T` (a tuple of columns).
pub(crate) fn query_as<T: FromRow>(sql: impl Into<std::borrow::Cow<'static, str>>) -> QueryAs<T> {
    QueryAs {
        q: query(sql),
        _t: std::marker::PhantomData,
    }
}

/// A statement whose rows are read by their first column.
pub(crate) fn query_scalar<T: Get>(
    sql: impl Into<std::borrow::Cow<'static, str>>,
) -> QueryScalar<T> {
    QueryScalar {
        q: query(sql),
        _t: std::marker::PhantomData,
    }
}

/// What a statement changed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>;
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

impl Query {
    pub(crate) fn bind(mut self, a: impl Into<Arg>) -> Self {
        self.args.push(a.into());
        self
    }

    /// Binds several arguments in order.
    pub(crate) fn args(mut self, a: &[Arg]) -> Self {
        self.args.extend_from_slice(a);
        self
    }

    fn sqlite(&self) -> SqliteQuery<'_> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(&*self.sql));
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Real(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_deref()),
                Arg::Flag(v) => q.bind(*v),
            };
        }
        q
    }

    fn pg(&self) -> PgQuery<'_> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(&*self.sql));
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Real(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_deref()),
                Arg::Flag(v) => q.bind(*v),
            };
        }
        q
    }

    pub(crate) async fn execute<'e>(&self, ex: impl Into<Ex<'e>>) -> Result<Done> {
        let n = match ex.into() {
            Ex::SqlitePool(p) => self.sqlite().execute(p).await?.rows_affected(),
            Ex::PgPool(p) => self.pg().execute(p).await?.rows_affected(),
            Ex::Sqlite(c) => self.sqlite().execute(c).await?.rows_affected(),
            Ex::Pg(c) => self.pg().execute(c).await?.rows_affected(),
        };
        Ok(Done(n))
    }

    pub(crate) async fn fetch_all<'e>(&self, ex: impl Into<Ex<'e>>) -> Result<Vec<Row>> {
        Ok(match ex.into() {
            Ex::SqlitePool(p) => wrap(self.sqlite().fetch_all(p).await?, Row::Sqlite),
            Ex::PgPool(p) => wrap(self.pg().fetch_all(p).await?, Row::Pg),
            Ex::Sqlite(c) => wrap(self.sqlite().fetch_all(c).await?, Row::Sqlite),
            Ex::Pg(c) => wrap(self.pg().fetch_all(c).await?, Row::Pg),
        })
    }

    pub(crate) async fn fetch_optional<'e>(&self, ex: impl Into<Ex<'e>>) -> Result<Option<Row>> {
        Ok(match ex.into() {
            Ex::SqlitePool(p) => self.sqlite().fetch_optional(p).await?.map(Row::Sqlite),
            Ex::PgPool(p) => self.pg().fetch_optional(p).await?.map(Row::Pg),
            Ex::Sqlite(c) => self.sqlite().fetch_optional(c).await?.map(Row::Sqlite),
            Ex::Pg(c) => self.pg().fetch_optional(c).await?.map(Row::Pg),
        })
    }

    pub(crate) async fn fetch_one<'e>(&self, ex: impl Into<Ex<'e>>) -> Result<Row> {
        Ok(match ex.into() {
            Ex::SqlitePool(p) => Row::Sqlite(self.sqlite().fetch_one(p).await?),
            Ex::PgPool(p) => Row::Pg(self.pg().fetch_one(p).await?),
            Ex::Sqlite(c) => Row::Sqlite(self.sqlite().fetch_one(c).await?),
            Ex::Pg(c) => Row::Pg(self.pg().fetch_one(c).await?),
        })
    }
}

fn wrap<R>(rows: Vec<R>, f: fn(R) -> Row) -> Vec<Row> {
    rows.into_iter().map(f).collect()
}

/// A statement whose rows are read as `T`.
pub(crate) struct QueryAs<T> {
    q: Query,
    _t: std::marker::PhantomData<T>,
}

impl<T: FromRow> QueryAs<T> {
    pub(crate) fn bind(mut self, a: impl Into<Arg>) -> Self {
        self.q = self.q.bind(a);
        self
    }
    /// Binds several arguments in order.
    pub(crate) fn args(mut self, a: &[Arg]) -> Self {
        self.q = self.q.args(a);
        self
    }
    pub(crate) async fn fetch_all<'e>(self, ex: impl Into<Ex<'e>>) -> Result<Vec<T>> {
        let rows = self.q.fetch_all(ex).await?;
        Ok(rows.iter().map(T::from_row).collect::<sqlx::Result<_>>()?)
    }
    pub(crate) async fn fetch_optional<'e>(self, ex: impl Into<Ex<'e>>) -> Result<Option<T>> {
        let row = self.q.fetch_optional(ex).await?;
        Ok(row.as_ref().map(T::from_row).transpose()?)
    }
    pub(crate) async fn fetch_one<'e>(self, ex: impl Into<Ex<'e>>) -> Result<T> {
        let row = self.q.fetch_one(ex).await?;
        Ok(T::from_row(&row)?)
    }
}

/// A statement whose rows are read by their first column.
pub(crate) struct QueryScalar<T> {
    q: Query,
    _t: std::marker::PhantomData<T>,
}

impl<T: Get> QueryScalar<T> {
    pub(crate) fn bind(mut self, a: impl Into<Arg>) -> Self {
        self.q = self.q.bind(a);
        self
    }
    pub(crate) async fn fetch_all<'e>(self, ex: impl Into<Ex<'e>>) -> Result<Vec<T>> {
        let rows = self.q.fetch_all(ex).await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<sqlx::Result<_>>()?)
    }
    pub(crate) async fn fetch_optional<'e>(self, ex: impl Into<Ex<'e>>) -> Result<Option<T>> {
        let row = self.q.fetch_optional(ex).await?;
        Ok(row.as_ref().map(|r| r.try_get(0)).transpose()?)
    }
    pub(crate) async fn fetch_one<'e>(self, ex: impl Into<Ex<'e>>) -> Result<T> {
        let row = self.q.fetch_one(ex).await?;
        Ok(row.try_get(0)?)
    }
}

/// A row of either backend.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Pg(PgRow),
}

/// A type both drivers read from a column: one they decode themselves, or an id of
/// `zhuanban_ledger` (`TaskId` …) read from its integer column.
pub(crate) trait Get: Sized {
    /// What the drivers decode.
    type Raw: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>;
    fn from_raw(raw: Self::Raw) -> Self;
}

/// Types the drivers decode, read as they are (and NULL-able).
macro_rules! get_as_is {
    ($($t:ty),+) => {
        $(
            impl Get for $t {
                type Raw = $t;
                fn from_raw(raw: $t) -> Self {
                    raw
                }
            }
            impl Get for Option<$t> {
                type Raw = Option<$t>;
                fn from_raw(raw: Option<$t>) -> Self {
                    raw
                }
            }
        )+
    };
}

get_as_is!(i64, i32, f64, bool, String, Vec<u8>);

/// The ids of `zhuanban_ledger`, read from their integer columns (and NULL-able).
macro_rules! get_id {
    ($($t:ty),+) => {
        $(
            impl Get for $t {
                type Raw = i64;
                fn from_raw(raw: i64) -> Self {
                    <$t>::new(raw)
                }
            }
            impl Get for Option<$t> {
                type Raw = Option<i64>;
                fn from_raw(raw: Option<i64>) -> Self {
                    raw.map(<$t>::new)
                }
            }
        )+
    };
}

with_ids!(get_id);

/// A column of a row: its name or position.
pub(crate) trait Idx: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> + std::fmt::Debug {}
impl<I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow> + std::fmt::Debug> Idx for I {}

impl Row {
    pub(crate) fn try_get<T: Get>(&self, col: impl Idx) -> sqlx::Result<T> {
        use sqlx::Row as _;
        match self {
            Row::Sqlite(r) => r.try_get::<T::Raw, _>(col).map(T::from_raw),
            Row::Pg(r) => r.try_get::<T::Raw, _>(col).map(T::from_raw),
        }
    }
}

/// Rows read as tuples of columns.
pub(crate) trait FromRow: Sized {
    fn from_row(r: &Row) -> sqlx::Result<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Get),+> FromRow for ($($t,)+) {
            fn from_row(r: &Row) -> sqlx::Result<Self> {
                Ok(($(r.try_get::<$t>($i)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

impl Ex<'_> {
    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Ex::PgPool(_) | Ex::Pg(_))
    }
}

impl<'a, 'b> From<&'a mut &'b mut Tx> for Ex<'a> {
    fn from(t: &'a mut &'b mut Tx) -> Self {
        Ex::from(&mut **t)
    }
}
