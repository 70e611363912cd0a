//! Notification channels from the environment. Secrets come from a variable or from a file
//! named by `NAME_FILE` (for container secrets), never from the command line.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `ZHUANBAN_WECOM_KEY` / `_FILE` | 企业微信 group robot key; `ZHUANBAN_WECOM_URL` overrides the endpoint |
//! | `ZHUANBAN_DINGTALK_TOKEN` / `_FILE`, `ZHUANBAN_DINGTALK_SECRET` / `_FILE` | 钉钉 robot access token and signing secret; `ZHUANBAN_DINGTALK_URL` overrides the endpoint |
//! | `ZHUANBAN_SMTP_HOST`, `ZHUANBAN_SMTP_PORT`, `ZHUANBAN_SMTP_TLS` (`starttls`, `tls`, `none`), `ZHUANBAN_SMTP_USER`, `ZHUANBAN_SMTP_PASSWORD` / `_FILE`, `ZHUANBAN_SMTP_FROM` | e-mail to the accounts that have an address |

use anyhow::{Context, bail};
use zhuanban_notify::{Channel, DingTalkConfig, EmailConfig, TlsMode, WeComConfig};

fn var(name: &str) -> anyhow::Result<Option<String>> {
    if let Ok(v) = std::env::var(name)
        && !v.trim().is_empty()
    {
        return Ok(Some(v.trim().to_string()));
    }
    let file = format!("{name}_FILE");
    if let Ok(path) = std::env::var(&file)
        && !path.trim().is_empty()
    {
        let v = std::fs::read_to_string(path.trim())
            .with_context(|| format!("{file}：无法读取 {path}"))?;
        return Ok(Some(v.trim().to_string()));
    }
    Ok(None)
}

/// The channels configured in the environment (none is fine: the in-app inbox always works).
pub fn from_env() -> anyhow::Result<Vec<Channel>> {
    let mut out = Vec::new();
    if let Some(key) = var("ZHUANBAN_WECOM_KEY")? {
        let mut c = WeComConfig::new(key);
        if let Some(u) = var("ZHUANBAN_WECOM_URL")? {
            c.base_url = u;
        }
        out.push(Channel::WeCom(c));
    }
    if let Some(token) = var("ZHUANBAN_DINGTALK_TOKEN")? {
        let Some(secret) = var("ZHUANBAN_DINGTALK_SECRET")? else {
            bail!("设置了 ZHUANBAN_DINGTALK_TOKEN 但缺少 ZHUANBAN_DINGTALK_SECRET（加签密钥）");
        };
        let mut c = DingTalkConfig::new(token, secret);
        if let Some(u) = var("ZHUANBAN_DINGTALK_URL")? {
            c.base_url = u;
        }
        out.push(Channel::DingTalk(c));
    }
    if let Some(host) = var("ZHUANBAN_SMTP_HOST")? {
        let tls = match var("ZHUANBAN_SMTP_TLS")?.as_deref() {
            None | Some("starttls") => TlsMode::StartTls,
            Some("tls") => TlsMode::Implicit,
            Some("none") => TlsMode::Plain,
            Some(other) => bail!("ZHUANBAN_SMTP_TLS 应为 starttls、tls 或 none，收到“{other}”"),
        };
        let port = match var("ZHUANBAN_SMTP_PORT")? {
            Some(p) => p
                .parse()
                .with_context(|| format!("ZHUANBAN_SMTP_PORT：“{p}”不是端口号"))?,
            None => match tls {
                TlsMode::Implicit => 465,
                TlsMode::StartTls => 587,
                TlsMode::Plain => 25,
            },
        };
        let Some(from) = var("ZHUANBAN_SMTP_FROM")? else {
            bail!("设置了 ZHUANBAN_SMTP_HOST 但缺少 ZHUANBAN_SMTP_FROM（发件人）");
        };
        let mut c = EmailConfig::new(host, port, tls, from);
        c.username = var("ZHUANBAN_SMTP_USER")?;
        c.password = var("ZHUANBAN_SMTP_PASSWORD")?;
        out.push(Channel::Email(c));
    }
    Ok(out)
}
