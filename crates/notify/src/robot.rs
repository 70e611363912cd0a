//! WeCom and DingTalk group robots: JSON POSTed over HTTP(S), answered with
//! `{"errcode":0,"errmsg":"ok"}` on success.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use url::Url;

use crate::config::{ChannelKind, DingTalkConfig, WeComConfig};
use crate::sign::dingtalk_sign;
use crate::{Delivery, Message, SendError, clip, error_chain};

/// WeCom's documented limits on message content, in UTF-8 bytes.
pub(crate) const WECOM_TEXT_MAX: usize = 2048;
pub(crate) const WECOM_MARKDOWN_MAX: usize = 4096;
/// An answer longer than this is not a robot's.
const ANSWER_MAX: usize = 64 * 1024;
/// The DingTalk markdown title when the message has none.
const DEFAULT_TITLE: &str = "通知";

/// A robot request, built before it is sent (pure, so it can be checked exactly).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RobotRequest {
    pub url: Url,
    pub body: Value,
}

/// Errcodes after which the same message may go through later.
pub(crate) fn retryable_errcode(kind: ChannelKind, errcode: i64) -> bool {
    // -1: "system busy" on both services.
    errcode == -1 || rate_limit_errcode(kind, errcode)
}

/// Errcodes meaning "too many messages".
pub(crate) fn rate_limit_errcode(kind: ChannelKind, errcode: i64) -> bool {
    match kind {
        // 45009: api freq out of limit (20 a minute per robot); 45033: too many concurrent calls.
        ChannelKind::WeCom => matches!(errcode, 45009 | 45033),
        // 130101: send too fast, exceed 20 times per minute; 410100: 发送速度太快而限流.
        ChannelKind::DingTalk => matches!(errcode, 130101 | 410100),
        ChannelKind::Email => false,
    }
}

pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) async fn send_wecom(cfg: &WeComConfig, msg: &Message) -> Result<Delivery, SendError> {
    let request = wecom_request(cfg, msg)?;
    post(ChannelKind::WeCom, request, cfg.timeout).await
}

pub(crate) async fn send_dingtalk(
    cfg: &DingTalkConfig,
    msg: &Message,
    timestamp_ms: i64,
) -> Result<Delivery, SendError> {
    let request = dingtalk_request(cfg, msg, timestamp_ms)?;
    post(ChannelKind::DingTalk, request, cfg.timeout).await
}

pub(crate) fn wecom_request(cfg: &WeComConfig, msg: &Message) -> Result<RobotRequest, SendError> {
    if cfg.key.trim().is_empty() {
        return Err(SendError::Invalid("the WeCom robot has no key".into()));
    }
    let mut url = base_url(&cfg.base_url)?;
    url.query_pairs_mut().append_pair("key", &cfg.key);
    let body = match &msg.markdown {
        Some(markdown) => {
            within(markdown, WECOM_MARKDOWN_MAX, "WeCom markdown")?;
            json!({"msgtype": "markdown", "markdown": {"content": markdown}})
        }
        None => {
            let content = text_content(msg);
            within(&content, WECOM_TEXT_MAX, "WeCom text")?;
            json!({"msgtype": "text", "text": {"content": content}})
        }
    };
    Ok(RobotRequest { url, body })
}

pub(crate) fn dingtalk_request(
    cfg: &DingTalkConfig,
    msg: &Message,
    timestamp_ms: i64,
) -> Result<RobotRequest, SendError> {
    if cfg.access_token.trim().is_empty() {
        return Err(SendError::Invalid(
            "the DingTalk robot has no access token".into(),
        ));
    }
    let mut url = base_url(&cfg.base_url)?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("access_token", &cfg.access_token);
        if let Some(secret) = &cfg.secret {
            // `append_pair` URL-encodes the base64 signature exactly once.
            query
                .append_pair("timestamp", &timestamp_ms.to_string())
                .append_pair("sign", &dingtalk_sign(secret, timestamp_ms));
        }
    }
    let body = match &msg.markdown {
        Some(markdown) => {
            let title = if msg.title.trim().is_empty() {
                DEFAULT_TITLE
            } else {
                msg.title.as_str()
            };
            json!({"msgtype": "markdown", "markdown": {"title": title, "text": markdown}})
        }
        None => json!({"msgtype": "text", "text": {"content": text_content(msg)}}),
    };
    Ok(RobotRequest { url, body })
}

/// A text message: the title on its own line, then the body.
fn text_content(msg: &Message) -> String {
    match (msg.title.trim().is_empty(), msg.body.trim().is_empty()) {
        (true, _) => msg.body.clone(),
        (false, true) => msg.title.clone(),
        (false, false) => format!("{}\n{}", msg.title, msg.body),
    }
}

fn within(content: &str, max: usize, what: &str) -> Result<(), SendError> {
    if content.trim().is_empty() {
        return Err(SendError::Invalid(format!("{what} content is empty")));
    }
    if content.len() > max {
        return Err(SendError::Invalid(format!(
            "{what} content is {} bytes; the robot takes at most {max}",
            content.len()
        )));
    }
    Ok(())
}

fn base_url(text: &str) -> Result<Url, SendError> {
    let url = Url::parse(text.trim())
        .map_err(|e| SendError::Invalid(format!("robot URL {text:?}: {e}")))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(SendError::Invalid(format!(
            "robot URL {text:?} is not an http(s) URL"
        ))),
    }
}

/// POSTs the request and reads the robot's answer.
async fn post(
    kind: ChannelKind,
    request: RobotRequest,
    timeout: Duration,
) -> Result<Delivery, SendError> {
    let (status, answer) = tokio::time::timeout(timeout, exchange(request))
        .await
        .map_err(|_| {
            SendError::Transport(format!(
                "no answer from the {kind} robot within {timeout:?}"
            ))
        })??;
    let errmsg = interpret(kind, status, &answer)?;
    Ok(Delivery {
        kind,
        recipients: Vec::new(),
        receipt: errmsg,
    })
}

async fn exchange(request: RobotRequest) -> Result<(u16, Bytes), SendError> {
    let tls = tls_config()?;
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    // A client per message: robots take at most 20 a minute, and a pooled connection must
    // not outlive the runtime that made it.
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build(connector);
    let uri: http::Uri = request
        .url
        .as_str()
        .parse()
        .map_err(|e| SendError::Invalid(format!("robot URL: {e}")))?;
    let body = serde_json::to_vec(&request.body)
        .map_err(|e| SendError::Invalid(format!("message JSON: {e}")))?;
    let req = http::Request::post(uri)
        .header(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .header(http::header::USER_AGENT, "zhuanban-notify")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| SendError::Invalid(format!("robot request: {e}")))?;
    let response = client
        .request(req)
        .await
        .map_err(|e| SendError::Transport(error_chain(&e)))?;
    let status = response.status().as_u16();
    let answer = Limited::new(response.into_body(), ANSWER_MAX)
        .collect()
        .await
        .map_err(|e| SendError::Transport(format!("reading the answer: {e}")))?
        .to_bytes();
    Ok((status, answer))
}

/// The robot's answer: `Ok(errmsg)` only for HTTP 2xx with `errcode` 0.
pub(crate) fn interpret(
    kind: ChannelKind,
    status: u16,
    answer: &[u8],
) -> Result<String, SendError> {
    let text = String::from_utf8_lossy(answer);
    if !(200..300).contains(&status) {
        return Err(SendError::Http {
            status,
            body: clip(text.trim(), 200),
        });
    }
    let json: Value = serde_json::from_slice(answer).map_err(|_| {
        SendError::Protocol(format!(
            "the {kind} robot URL answered non-JSON: {}",
            clip(text.trim(), 200)
        ))
    })?;
    let Some(errcode) = json.get("errcode").and_then(Value::as_i64) else {
        return Err(SendError::Protocol(format!(
            "the {kind} robot URL answered without an errcode: {}",
            clip(text.trim(), 200)
        )));
    };
    let errmsg = json
        .get("errmsg")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if errcode == 0 {
        Ok(errmsg)
    } else {
        Err(SendError::Api {
            kind,
            errcode,
            errmsg,
        })
    }
}

/// rustls on `ring`, trusting the system's roots (a private deployment's CA goes into the
/// system store). Loaded once.
fn tls_config() -> Result<rustls::ClientConfig, SendError> {
    static CONFIG: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let loaded = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(loaded.certs);
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Ok(rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS setup: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth())
        })
        .clone()
        .map_err(SendError::Transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(markdown: Option<&str>) -> Message {
        Message {
            title: "催报：一季度进展".into(),
            body: "请于3月31日前报送。".into(),
            markdown: markdown.map(str::to_string),
        }
    }

    #[test]
    fn wecom_request_is_exact() {
        let mut cfg = WeComConfig::new("693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa");
        let r = wecom_request(&cfg, &msg(Some("## 催报\n> 请报送"))).unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
        );
        assert_eq!(
            r.body,
            json!({"msgtype":"markdown","markdown":{"content":"## 催报\n> 请报送"}})
        );
        cfg.base_url = "https://wx.example.gov.cn/cgi-bin/webhook/send".into();
        let r = wecom_request(&cfg, &msg(None)).unwrap();
        assert!(r.url.as_str().starts_with("https://wx.example.gov.cn/"));
        assert_eq!(
            r.body,
            json!({"msgtype":"text","text":{"content":"催报：一季度进展\n请于3月31日前报送。"}})
        );
    }

    #[test]
    fn wecom_limits_are_checked_in_bytes() {
        let cfg = WeComConfig::new("k");
        // 683 × 3 bytes = 2049 > 2048.
        let long = Message {
            title: String::new(),
            body: "催".repeat(683),
            markdown: None,
        };
        assert!(matches!(
            wecom_request(&cfg, &long),
            Err(SendError::Invalid(_))
        ));
        let fits = Message {
            body: "催".repeat(682),
            ..long.clone()
        };
        assert!(wecom_request(&cfg, &fits).is_ok());
        let md = Message {
            markdown: Some("报".repeat(1366)),
            ..long
        };
        assert!(matches!(
            wecom_request(&cfg, &md),
            Err(SendError::Invalid(_))
        ));
        assert!(matches!(
            wecom_request(&WeComConfig::new(""), &fits),
            Err(SendError::Invalid(_))
        ));
    }

    #[test]
    fn dingtalk_request_is_exact() {
        // The signature is the hand-computed example in `sign::tests::dingtalk_sign_example`.
        let cfg = DingTalkConfig::new("tok123", "SEC0123456789abcdef");
        let r = dingtalk_request(&cfg, &msg(Some("#### 催报\n请报送")), 1_700_000_000_002).unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://oapi.dingtalk.com/robot/send?access_token=tok123&timestamp=1700000000002\
             &sign=VGvd0brDJp%2FnMZtR%2BXnA3yBIlhowT%2BTwkRPua0q1%2Fjg%3D"
        );
        assert_eq!(
            r.body,
            json!({"msgtype":"markdown","markdown":{"title":"催报：一季度进展","text":"#### 催报\n请报送"}})
        );
        let unsigned = DingTalkConfig {
            secret: None,
            ..cfg
        };
        let r = dingtalk_request(&unsigned, &msg(None), 1).unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://oapi.dingtalk.com/robot/send?access_token=tok123"
        );
        assert_eq!(
            r.body,
            json!({"msgtype":"text","text":{"content":"催报：一季度进展\n请于3月31日前报送。"}})
        );
    }

    #[test]
    fn bad_urls_are_invalid() {
        for url in ["ftp://x/y", "not a url", "file:///etc/passwd", ""] {
            let cfg = WeComConfig {
                base_url: url.into(),
                ..WeComConfig::new("k")
            };
            assert!(
                matches!(wecom_request(&cfg, &msg(None)), Err(SendError::Invalid(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn answers() {
        let k = ChannelKind::WeCom;
        assert_eq!(
            interpret(k, 200, br#"{"errcode":0,"errmsg":"ok"}"#),
            Ok("ok".into())
        );
        assert!(matches!(
            interpret(
                k,
                200,
                br#"{"errcode":45009,"errmsg":"api freq out of limit"}"#
            ),
            Err(SendError::Api { errcode: 45009, .. })
        ));
        assert!(matches!(
            interpret(k, 200, br#"{"errmsg":"ok"}"#),
            Err(SendError::Protocol(_))
        ));
        assert!(matches!(
            interpret(k, 200, b"<html>portal</html>"),
            Err(SendError::Protocol(_))
        ));
        assert!(matches!(
            interpret(k, 502, b"bad gateway"),
            Err(SendError::Http { status: 502, .. })
        ));
    }
}
