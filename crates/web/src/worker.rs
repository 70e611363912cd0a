//! The dispatch worker of the web server: one pass of [`zhuanban_desk::dispatch`] every minute.

use chrono::NaiveDate;

pub use zhuanban_desk::dispatch::Tick;

use crate::AppState;
use crate::error::AppResult;

/// One pass of the worker with the server's channels. `send` false queues without delivering.
pub async fn tick(state: &AppState, today: NaiveDate, send: bool) -> AppResult<Tick> {
    let t =
        zhuanban_desk::dispatch::tick(&state.store, &state.config.channels, today, send).await?;
    for login in &t.disabled {
        tracing::info!("disabled inactive account {login}");
    }
    Ok(t)
}

/// How often the worker runs: every minute. Debug builds (the test suite) honour
/// `ZHUANBAN_TEST_WORKER_SECS`, so that tests of several servers see several passes quickly.
fn period() -> std::time::Duration {
    #[cfg(debug_assertions)]
    if let Some(secs) = std::env::var("ZHUANBAN_TEST_WORKER_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
    {
        return std::time::Duration::from_secs(secs);
    }
    std::time::Duration::from_secs(60)
}

/// Runs the worker every minute until the process ends.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period());
        loop {
            every.tick().await;
            if let Err(e) = tick(&state, crate::pages::today(), true).await {
                tracing::error!("dispatch worker: {}", e.message);
            }
        }
    });
}
