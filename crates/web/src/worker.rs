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

/// Runs the worker every minute until the process ends.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(e) = tick(&state, crate::pages::today(), true).await {
                tracing::error!("dispatch worker: {}", e.message);
            }
        }
    });
}
