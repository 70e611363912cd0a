//! The sending side of the desk's notices — reminders (催报) and supervision notices (督办) —
//! through the group robots offices use (WeCom / 企业微信 and DingTalk / 钉钉) and SMTP e-mail.
//!
//! [`send`] delivers one [`Message`] over one [`Channel`] and either returns a [`Delivery`]
//! receipt or a [`SendError`] that says precisely what went wrong and whether trying again
//! later can help ([`SendError::is_retryable`]). The outbox and its dispatcher live in the
//! store and web crates; they own retry policy and use [`Throttle`] to keep each robot under
//! its rate limit (20 messages a minute).
//!
//! Architecture: no global state other than the TLS root store, loaded once from the system.
//! Every request is bounded by the channel's `timeout`. TLS is rustls on the `ring` provider
//! (no OpenSSL, no native-tls, no aws-lc).

pub mod config;
mod email;
mod robot;
pub mod sign;
pub mod throttle;

pub use config::{
    Channel, ChannelKind, DINGTALK_DEFAULT_URL, DingTalkConfig, EmailConfig, TlsMode,
    WECOM_DEFAULT_URL, WeComConfig,
};
pub use throttle::{ROBOT_LIMIT, Throttle};

/// One notice to deliver. Text is UTF-8 (Chinese as it is written).
///
/// How each channel uses the fields:
/// - WeCom: with `markdown`, a `markdown` message whose content is `markdown` as given (WeCom
///   markdown has no title field, so put the heading in it); otherwise a `text` message of
///   `title`, a newline and `body`.
/// - DingTalk: with `markdown`, a `markdown` message with `title` (shown in the chat list and
///   the notification) and `text` = `markdown`; otherwise a `text` message as for WeCom.
/// - E-mail: subject `title`, a `text/plain; charset=utf-8` body `body` (markdown unused).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub title: String,
    /// Plain text.
    pub body: String,
    /// The same notice as markdown, for robots that render it.
    pub markdown: Option<String>,
}

/// Whom a message goes to on its channel.
///
/// A group robot has no recipients of its own: it posts to the group it belongs to, so only
/// [`Recipient::Channel`] is valid for robots. An e-mail channel sends to its configured `to`
/// list, or to explicit addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Recipient {
    /// Whoever the channel itself reaches: the robot's group, or the e-mail channel's `to`.
    #[default]
    Channel,
    /// These e-mail addresses (`a@b.cn` or `名字 <a@b.cn>`), instead of the configured `to`.
    Email(Vec<String>),
}

/// The receipt of a message the channel accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub kind: ChannelKind,
    /// The e-mail addresses the server accepted; empty for robots.
    pub recipients: Vec<String>,
    /// What the far end said: the robot's `errmsg` ("ok"), or the SMTP server's final reply
    /// (e.g. "250 2.0.0 queued as 4AB12").
    pub receipt: String,
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel, recipient or message cannot be sent as configured (bad URL, missing key,
    /// bad address, message over the robot's size limit, a robot given e-mail recipients,
    /// STARTTLS required but not offered, …). Never retryable: fix the configuration.
    #[error("cannot send: {0}")]
    Invalid(String),
    /// The connection failed, broke or timed out (including TLS failures). Retryable.
    #[error("transport error: {0}")]
    Transport(String),
    /// The HTTP server answered with a status other than 2xx. Retryable for 5xx, 429 and 408.
    #[error("HTTP status {status}: {body}")]
    Http { status: u16, body: String },
    /// The robot answered `errcode` ≠ 0. Retryable only for its busy / rate-limit codes.
    #[error("{kind} robot answered errcode {errcode}: {errmsg}")]
    Api {
        kind: ChannelKind,
        errcode: i64,
        errmsg: String,
    },
    /// The far end answered something that is not its protocol (e.g. HTTP 200 with no
    /// `errcode`: the URL is not a robot). Not retryable.
    #[error("unexpected answer: {0}")]
    Protocol(String),
    /// The SMTP server refused with a reply code: 4xx is transient (retryable), 5xx permanent.
    #[error("SMTP server answered {code}: {message}")]
    Smtp { code: u16, message: String },
}

impl SendError {
    /// Whether sending the same message later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Invalid(_) | SendError::Protocol(_) => false,
            SendError::Transport(_) => true,
            SendError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            SendError::Api { kind, errcode, .. } => robot::retryable_errcode(*kind, *errcode),
            SendError::Smtp { code, .. } => (400..500).contains(code),
        }
    }

    /// Whether the far end said "too many messages": the dispatcher should hold this channel
    /// back for a minute rather than retry soon.
    pub fn is_rate_limited(&self) -> bool {
        match self {
            SendError::Http { status, .. } => *status == 429,
            SendError::Api { kind, errcode, .. } => robot::rate_limit_errcode(*kind, *errcode),
            _ => false,
        }
    }
}

/// Sends `msg` over `channel` to `to`.
///
/// Success means the far end accepted the message: HTTP 2xx with `errcode` 0 from a robot, or
/// a 250 after DATA from the SMTP server. The call takes at most about the channel's
/// `timeout` (per SMTP command for e-mail). It does not throttle: check a [`Throttle`] first.
pub async fn send(channel: &Channel, msg: &Message, to: &Recipient) -> Result<Delivery, SendError> {
    match channel {
        Channel::WeCom(cfg) => {
            robot_only(to, ChannelKind::WeCom)?;
            robot::send_wecom(cfg, msg).await
        }
        Channel::DingTalk(cfg) => {
            robot_only(to, ChannelKind::DingTalk)?;
            robot::send_dingtalk(cfg, msg, robot::now_millis()).await
        }
        Channel::Email(cfg) => email::send(cfg, msg, to).await,
    }
}

fn robot_only(to: &Recipient, kind: ChannelKind) -> Result<(), SendError> {
    match to {
        Recipient::Channel => Ok(()),
        Recipient::Email(_) => Err(SendError::Invalid(format!(
            "a {kind} group robot posts to its group and takes no e-mail recipients"
        ))),
    }
}

/// The display of an error with its chain of sources, for messages that must say why.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    // Bounded: error chains are short, but never loop forever on a cyclic one.
    for _ in 0..8 {
        let Some(next) = source else { break };
        let part = next.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = next.source();
    }
    text
}

/// At most `max` characters of `text` (answers quoted in errors stay short).
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_classification() {
        let http = |status| SendError::Http {
            status,
            body: String::new(),
        };
        assert!(http(500).is_retryable());
        assert!(http(503).is_retryable());
        assert!(http(429).is_retryable() && http(429).is_rate_limited());
        assert!(!http(404).is_retryable());
        assert!(!http(400).is_retryable());
        let api = |kind, errcode| SendError::Api {
            kind,
            errcode,
            errmsg: String::new(),
        };
        assert!(api(ChannelKind::WeCom, 45009).is_retryable());
        assert!(api(ChannelKind::WeCom, 45009).is_rate_limited());
        assert!(api(ChannelKind::WeCom, -1).is_retryable());
        assert!(!api(ChannelKind::WeCom, 93000).is_retryable());
        assert!(!api(ChannelKind::DingTalk, 310000).is_retryable());
        assert!(api(ChannelKind::DingTalk, 130101).is_retryable());
        assert!(api(ChannelKind::DingTalk, 130101).is_rate_limited());
        assert!(api(ChannelKind::DingTalk, 410100).is_rate_limited());
        // Codes are per robot: WeCom's rate-limit code means nothing to DingTalk.
        assert!(!api(ChannelKind::DingTalk, 45009).is_retryable());
        let smtp = |code| SendError::Smtp {
            code,
            message: String::new(),
        };
        assert!(smtp(451).is_retryable());
        assert!(smtp(421).is_retryable());
        assert!(!smtp(550).is_retryable());
        assert!(!smtp(554).is_retryable());
        assert!(SendError::Transport("x".into()).is_retryable());
        assert!(!SendError::Invalid("x".into()).is_retryable());
        assert!(!SendError::Protocol("x".into()).is_retryable());
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("催报督办", 2), "催报…");
        assert_eq!(clip("催报", 2), "催报");
    }
}
