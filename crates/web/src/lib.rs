//! The web desk: server-rendered pages in Chinese (askama, no JavaScript needed), a JSON API
//! described by `/api/openapi.json`, sessions, roles and the access rule of every route.
//!
//! Architecture invariants:
//! - Every route is registered together with its access rule ([`routes::Access`]); a guard
//!   layer enforces it before the handler runs, so a route cannot exist without a rule. The
//!   same table generates the OpenAPI document and drives the permission-matrix test.
//! - Object checks happen in the handlers: a unit account sees only its unit's tasks and
//!   reports, and a record it may not see answers 404, exactly like one that does not exist.
//!   Drafts are seen by their unit only.
//! - Unsafe methods need the session's CSRF token (form field `_csrf`, query `_csrf` for
//!   multipart forms, or header `X-CSRF-Token`) and a same-origin request.
//! - Every change goes through the store, which writes the audit record in the same
//!   transaction.

pub mod api;
pub mod auth;
pub mod conn;
pub mod download;
pub mod error;
pub mod evidence;
pub mod openapi;
pub mod pages;
pub mod routes;
pub mod security;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use zhuanban_store::Db;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where evidence files are kept (outside any served directory).
    pub data_dir: PathBuf,
    /// Mark cookies `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// … and after this long in any case.
    pub session_absolute: Duration,
    /// The largest evidence file accepted.
    pub max_upload: usize,
    /// Show the demonstration banner.
    pub demo: bool,
    /// Where reminders and notices go besides the in-app inbox (group robots, e-mail).
    pub channels: Vec<zhuanban_notify::Channel>,
    /// Connection caps and timeouts.
    pub limits: conn::Limits,
    /// How long the security settings (and whether any account exists) are taken as read
    /// before they are read again: another server on the database may have changed them.
    pub settings_refresh: Duration,
}

impl Config {
    pub fn new(data_dir: PathBuf) -> Self {
        Config {
            data_dir,
            secure_cookies: false,
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            max_upload: 10 * 1024 * 1024,
            demo: false,
            channels: Vec::new(),
            limits: conn::Limits::default(),
            settings_refresh: Duration::from_secs(5),
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Db,
    pub config: Arc<Config>,
    has_users: Arc<AtomicBool>,
    security: Arc<std::sync::RwLock<security::SecuritySettings>>,
    /// When the settings were last read from the database.
    settings_read: Arc<std::sync::Mutex<std::time::Instant>>,
    /// Sign-in attempts per address and per account.
    pub limiter: Arc<security::RateLimiter>,
    /// The last default judgement of each plan, with the database's data version and the day
    /// it was made for: pages reuse it until anything is committed or the day changes.
    pub(crate) judged: Arc<
        std::sync::Mutex<std::collections::HashMap<zhuanban_ledger::Id, pages::desk::JudgedCache>>,
    >,
    /// The plans each kind of account may see, at a data version (see
    /// `pages::desk::plan_for`).
    pub(crate) plan_ids: Arc<std::sync::Mutex<Option<PlanIds>>>,
    /// Each account's unread count, with the data version and this process's inbox generation
    /// it was counted at and when: see [`AppState::unread_count`].
    unread:
        Arc<std::sync::Mutex<std::collections::HashMap<zhuanban_ledger::AccountId, UnreadKept>>>,
}

/// An unread count kept: (data version, inbox generation, counted at, count).
type UnreadKept = (i64, u64, std::time::Instant, i64);

/// How long a kept unread count may stand for changes another server made to the inbox.
const UNREAD_FRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// The ids of the plans each kind of account may see, each with whether it is archived (None:
/// every plan; Some(unit): a unit's plans), at a data version.
pub(crate) type PlanIds = (
    i64,
    std::collections::HashMap<
        Option<zhuanban_ledger::UnitId>,
        Arc<Vec<(zhuanban_ledger::Id, bool)>>,
    >,
);

pub use zhuanban_desk::security::SECURITY_KEY;

/// What a use case wrote; a message it could not post (the write stands) is logged.
pub(crate) fn warn_unposted<T>(saved: zhuanban_desk::messages::Saved<T>) -> T {
    if let Some(e) = &saved.warning {
        tracing::warn!("message not posted: {e}");
    }
    saved.value
}

impl AppState {
    pub async fn new(store: Db, config: Config) -> Result<Self, zhuanban_store::StoreError> {
        let has = store.count_users().await? > 0;
        let security = zhuanban_desk::security::load(&store).await?;
        Ok(AppState {
            store,
            config: Arc::new(config),
            has_users: Arc::new(AtomicBool::new(has)),
            security: Arc::new(std::sync::RwLock::new(security)),
            settings_read: Arc::new(std::sync::Mutex::new(std::time::Instant::now())),
            limiter: Arc::default(),
            judged: Arc::default(),
            plan_ids: Arc::default(),
            unread: Arc::default(),
        })
    }

    /// An account's unread messages for the navigation. Counted by one statement, then kept
    /// while nothing is committed (the data version), this process changes no message (the
    /// store's inbox generation: posted, read, all read) and for at most 5 seconds (what
    /// another server posts or reads shows within that).
    pub async fn unread_count(
        &self,
        user: &zhuanban_ledger::User,
    ) -> Result<i64, zhuanban_store::StoreError> {
        let version = self.store.data_version().await?;
        let generation = self.store.inbox_generation();
        let now = std::time::Instant::now();
        if let Some((v, g, at, n)) = self
            .unread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user.id)
            && *v == version
            && *g == generation
            && now.duration_since(*at) < UNREAD_FRESH
        {
            return Ok(*n);
        }
        let n = self.store.unread_count(user).await?;
        let mut kept = self.unread.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() > 10_000 {
            kept.clear();
        }
        kept.insert(user.id, (version, generation, now, n));
        Ok(n)
    }

    /// Reads the security settings and whether any account exists again when they were read
    /// more than `settings_refresh` ago: another server on the same database may have changed
    /// them (the guard calls it before every request).
    pub async fn refresh_settings(&self) -> Result<(), zhuanban_store::StoreError> {
        {
            let mut read = self.settings_read.lock().unwrap_or_else(|e| e.into_inner());
            if read.elapsed() < self.config.settings_refresh {
                return Ok(());
            }
            *read = std::time::Instant::now();
        }
        let s = zhuanban_desk::security::load(&self.store).await?;
        *self.security.write().unwrap_or_else(|e| e.into_inner()) = s;
        if !self.has_users() && self.store.count_users().await? > 0 {
            self.set_has_users();
        }
        Ok(())
    }

    /// The security settings in force.
    pub fn security(&self) -> security::SecuritySettings {
        self.security
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the security settings (stored, audited) after checking them.
    pub async fn set_security(
        &self,
        s: security::SecuritySettings,
        actor: &zhuanban_store::Actor,
    ) -> Result<(), String> {
        s.validate()?;
        let json = serde_json::to_string(&s).map_err(|e| e.to_string())?;
        self.store
            .set_setting(SECURITY_KEY, &json, actor)
            .await
            .map_err(|e| e.to_string())?;
        *self.security.write().unwrap_or_else(|e| e.into_inner()) = s;
        Ok(())
    }

    /// The idle and absolute session limits: the security settings', capped by the server's
    /// configuration.
    pub fn session_limits(&self) -> (Duration, Duration) {
        let s = self.security();
        let idle = Duration::from_secs(s.session_idle_minutes.max(1) as u64 * 60)
            .min(self.config.session_idle);
        let absolute = Duration::from_secs(s.session_absolute_hours.max(1) as u64 * 3600)
            .min(self.config.session_absolute);
        (idle, absolute)
    }

    /// Whether any account exists (until the first one, every page leads to /setup).
    pub fn has_users(&self) -> bool {
        self.has_users.load(Ordering::Relaxed)
    }

    pub(crate) fn set_has_users(&self) {
        self.has_users.store(true, Ordering::Relaxed);
    }
}

/// The whole application: pages, API, static files, security headers.
pub fn app(state: AppState) -> Router {
    routes::build(state)
}

/// Serves on a bound listener until the process ends, under the configuration's connection
/// caps and timeouts ([`conn`]).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let limits = state.config.limits;
    conn::serve(listener, app(state), limits).await
}
