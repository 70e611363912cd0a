//! Channel configurations. Their `Debug` never shows a secret (robot key, access token,
//! signing secret, SMTP password, or the query string of a base URL), so configs can be
//! logged.

use std::fmt;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// WeCom (企业微信) group robot endpoint; private 政务微信 deployments have their own.
pub const WECOM_DEFAULT_URL: &str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send";
/// DingTalk (钉钉) custom robot endpoint.
pub const DINGTALK_DEFAULT_URL: &str = "https://oapi.dingtalk.com/robot/send";
/// How long one HTTP request or one SMTP command may take unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

const REDACTED: &str = "<redacted>";

/// Which kind of channel; its `Display` (`wecom`, `dingtalk`, `email`) is stable for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    WeCom,
    DingTalk,
    Email,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::WeCom => "wecom",
            ChannelKind::DingTalk => "dingtalk",
            ChannelKind::Email => "email",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One way to reach an audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    WeCom(WeComConfig),
    DingTalk(DingTalkConfig),
    Email(EmailConfig),
}

impl Channel {
    pub fn kind(&self) -> ChannelKind {
        match self {
            Channel::WeCom(_) => ChannelKind::WeCom,
            Channel::DingTalk(_) => ChannelKind::DingTalk,
            Channel::Email(_) => ChannelKind::Email,
        }
    }

    /// The key under which a [`crate::Throttle`] counts this channel's messages: one per
    /// robot (`wecom:…` / `dingtalk:…`, from a hash, so the secret never appears in it).
    /// `None` for e-mail, which has no per-minute limit of its own.
    pub fn throttle_key(&self) -> Option<String> {
        let (kind, base, secret) = match self {
            Channel::WeCom(c) => (ChannelKind::WeCom, &c.base_url, &c.key),
            Channel::DingTalk(c) => (ChannelKind::DingTalk, &c.base_url, &c.access_token),
            Channel::Email(_) => return None,
        };
        let digest = Sha256::new()
            .chain_update(base.as_bytes())
            .chain_update(b"\n")
            .chain_update(secret.as_bytes())
            .finalize();
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Some(format!("{kind}:{hex}"))
    }
}

/// A WeCom group robot (群机器人): messages are POSTed to `{base_url}?key={key}`.
#[derive(Clone, PartialEq, Eq)]
pub struct WeComConfig {
    /// Without the key; default [`WECOM_DEFAULT_URL`].
    pub base_url: String,
    /// The robot's webhook key. Secret.
    pub key: String,
    pub timeout: Duration,
}

impl WeComConfig {
    /// A robot on the public WeCom service.
    pub fn new(key: impl Into<String>) -> Self {
        WeComConfig {
            base_url: WECOM_DEFAULT_URL.to_string(),
            key: key.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for WeComConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeComConfig")
            .field("base_url", &redact_query(&self.base_url))
            .field("key", &Redacted)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A DingTalk custom robot (自定义机器人): messages are POSTed to
/// `{base_url}?access_token=…&timestamp=…&sign=…`.
#[derive(Clone, PartialEq, Eq)]
pub struct DingTalkConfig {
    /// Without query; default [`DINGTALK_DEFAULT_URL`].
    pub base_url: String,
    /// The robot's access token. Secret.
    pub access_token: String,
    /// The signing secret (`SEC…`) of a robot secured by 加签. Secret. `None` for a robot
    /// secured only by keywords or an IP allow-list: then no `timestamp`/`sign` is sent.
    pub secret: Option<String>,
    pub timeout: Duration,
}

impl DingTalkConfig {
    /// A signed robot on the public DingTalk service.
    pub fn new(access_token: impl Into<String>, secret: impl Into<String>) -> Self {
        DingTalkConfig {
            base_url: DINGTALK_DEFAULT_URL.to_string(),
            access_token: access_token.into(),
            secret: Some(secret.into()),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for DingTalkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DingTalkConfig")
            .field("base_url", &redact_query(&self.base_url))
            .field("access_token", &Redacted)
            .field("secret", &self.secret.as_ref().map(|_| Redacted))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// How an SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS at all: only for a relay on the loopback interface and for tests.
    Plain,
    /// Plain connect, then `STARTTLS`, which the server must offer (usually port 587 or 25).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Implicit,
}

/// An SMTP server to submit e-mail to.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Log in with these when both are set (AUTH PLAIN or LOGIN, as the server offers).
    pub username: Option<String>,
    /// Secret.
    pub password: Option<String>,
    /// The sender, `a@b.cn` or `专班 <a@b.cn>`.
    pub from: String,
    /// Default recipients, used for [`crate::Recipient::Channel`].
    pub to: Vec<String>,
    /// The name to announce in EHLO; default `localhost`. Some servers want a real host name.
    pub hello_name: Option<String>,
    /// Per SMTP command (connect included).
    pub timeout: Duration,
}

impl EmailConfig {
    pub fn new(host: impl Into<String>, port: u16, tls: TlsMode, from: impl Into<String>) -> Self {
        EmailConfig {
            host: host.into(),
            port,
            tls,
            username: None,
            password: None,
            from: from.into(),
            to: Vec::new(),
            hello_name: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| Redacted))
            .field("from", &self.from)
            .field("to", &self.to)
            .field("hello_name", &self.hello_name)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Shows as `<redacted>`.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A base URL with any query string (where a pasted key would sit) replaced.
fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?{REDACTED}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_keys_are_per_robot_and_hide_the_secret() {
        let a = Channel::WeCom(WeComConfig::new("key-a"));
        let b = Channel::WeCom(WeComConfig::new("key-b"));
        let ka = a.throttle_key().unwrap();
        assert!(ka.starts_with("wecom:"), "{ka}");
        assert!(!ka.contains("key-a"));
        assert_ne!(ka, b.throttle_key().unwrap());
        assert_eq!(ka, a.clone().throttle_key().unwrap());
        let d = Channel::DingTalk(DingTalkConfig::new("token", "SECx"));
        assert!(d.throttle_key().unwrap().starts_with("dingtalk:"));
        let e = Channel::Email(EmailConfig::new("h", 25, TlsMode::Plain, "a@b.cn"));
        assert_eq!(e.throttle_key(), None);
    }
}
