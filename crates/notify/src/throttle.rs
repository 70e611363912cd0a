//! A sliding-window rate limit per channel key. Pure: the caller passes the time.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// WeCom group robots accept at most 20 messages a minute each; so do DingTalk robots.
pub const ROBOT_LIMIT: usize = 20;
pub const ROBOT_WINDOW: Duration = Duration::from_secs(60);

/// Allows at most `limit` messages per key in any window of `window`.
///
/// The window slides: a send is allowed when fewer than `limit` sends of the same key happened
/// in the `window` before it. Keys are what [`crate::Channel::throttle_key`] returns.
#[derive(Debug, Clone)]
pub struct Throttle {
    limit: usize,
    window: Duration,
    /// Per key, the times of the sends still inside the window, oldest first.
    sent: HashMap<String, VecDeque<Instant>>,
}

impl Throttle {
    /// `limit` of 0 is taken as 1.
    pub fn new(limit: usize, window: Duration) -> Self {
        Throttle {
            limit: limit.max(1),
            window,
            sent: HashMap::new(),
        }
    }

    /// The robots' limit: 20 a minute.
    pub fn robots() -> Self {
        Throttle::new(ROBOT_LIMIT, ROBOT_WINDOW)
    }

    /// Asks to send one message on `key` at `now`. `Ok` counts the send; `Err` says how long
    /// to wait until a send on `key` will be allowed (and counts nothing).
    ///
    /// Times should not go backwards; one that does is treated as being at the latest send.
    pub fn check(&mut self, key: &str, now: Instant) -> Result<(), Duration> {
        let window = self.window;
        let limit = self.limit;
        let sent = self.sent.entry(key.to_string()).or_default();
        while let Some(&oldest) = sent.front() {
            if now.saturating_duration_since(oldest) >= window {
                sent.pop_front();
            } else {
                break;
            }
        }
        if sent.len() < limit {
            let at = sent.back().map_or(now, |&last| last.max(now));
            sent.push_back(at);
            Ok(())
        } else {
            // Full: the oldest send leaves the window at oldest + window.
            let oldest = sent.front().copied().unwrap_or(now);
            Err((oldest + window).saturating_duration_since(now))
        }
    }

    /// Forgets keys with no send inside the window at `now` (call now and then so that
    /// removed channels do not stay in memory).
    pub fn prune(&mut self, now: Instant) {
        let window = self.window;
        self.sent.retain(|_, sent| {
            sent.back()
                .is_some_and(|&last| now.saturating_duration_since(last) < window)
        });
    }

    /// How many keys are tracked.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn twenty_a_minute_then_wait_for_the_oldest() {
        let mut t = Throttle::robots();
        let t0 = Instant::now();
        for i in 0..20 {
            assert_eq!(t.check("wecom:a", t0 + i * S), Ok(()), "send {i}");
        }
        // The 21st at t0+20s must wait until the first (t0) leaves the window: t0+60s.
        assert_eq!(t.check("wecom:a", t0 + 20 * S), Err(40 * S));
        assert_eq!(t.check("wecom:a", t0 + 59 * S), Err(S));
        // A refused check counted nothing: at t0+60s exactly one slot is free.
        assert_eq!(t.check("wecom:a", t0 + 60 * S), Ok(()));
        assert_eq!(t.check("wecom:a", t0 + 60 * S), Err(S));
        assert_eq!(t.check("wecom:a", t0 + 61 * S), Ok(()));
    }

    #[test]
    fn window_slides_rather_than_resetting_each_minute() {
        let mut t = Throttle::new(3, 60 * S);
        let t0 = Instant::now();
        // Three sends late in one "minute"...
        for i in 0..3 {
            assert_eq!(t.check("k", t0 + (57 + i) * S), Ok(()));
        }
        // ...a fixed window starting at t0+60s would allow more at once; a sliding one not.
        assert_eq!(t.check("k", t0 + 61 * S), Err(56 * S));
        assert_eq!(t.check("k", t0 + 117 * S), Ok(()));
        assert_eq!(t.check("k", t0 + 117 * S), Err(S));
    }

    #[test]
    fn keys_are_independent() {
        let mut t = Throttle::new(1, 60 * S);
        let t0 = Instant::now();
        assert_eq!(t.check("wecom:a", t0), Ok(()));
        assert!(t.check("wecom:a", t0).is_err());
        assert_eq!(t.check("dingtalk:b", t0), Ok(()));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn prune_forgets_idle_keys() {
        let mut t = Throttle::new(2, 60 * S);
        let t0 = Instant::now();
        t.check("a", t0).unwrap();
        t.check("b", t0 + 30 * S).unwrap();
        t.prune(t0 + 60 * S);
        assert_eq!(t.len(), 1);
        t.prune(t0 + 90 * S);
        assert!(t.is_empty());
    }

    #[test]
    fn time_going_backwards_does_not_open_the_window() {
        let mut t = Throttle::new(2, 60 * S);
        let t0 = Instant::now() + 100 * S;
        t.check("k", t0).unwrap();
        t.check("k", t0 - 10 * S).unwrap(); // counted as at t0
        assert_eq!(t.check("k", t0 + 59 * S), Err(S));
        assert_eq!(t.check("k", t0 + 60 * S), Ok(()));
    }
}
