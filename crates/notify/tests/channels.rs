//! The channel adapters against real sockets on 127.0.0.1: a tiny HTTP/1.1 server that
//! answers like WeCom / DingTalk robots, and a tiny SMTP server. Both are hand-written,
//! record what they receive, serve a bounded number of connections and read bounded input.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use zhuanban_notify::sign::{dingtalk_sign, hmac_sha256};
use zhuanban_notify::{
    Channel, ChannelKind, DingTalkConfig, EmailConfig, Message, Recipient, SendError, TlsMode,
    WeComConfig, send,
};

/// No test server serves more connections than this.
const MAX_CONNECTIONS: usize = 8;
/// Nor reads more than this from one.
const MAX_INPUT: usize = 256 * 1024;
/// Every send in these tests finishes well within this.
const TEST_TIMEOUT: Duration = Duration::from_secs(10);

const WECOM_KEY: &str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
const DINGTALK_TOKEN: &str = "c8e0f4f1d2a3b4c5";
const DINGTALK_SECRET: &str = "SECb1f3a0e4c2d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

fn notice() -> Message {
    Message {
        title: "催报：2024年一季度重点任务进展".into(),
        body: "请各牵头单位于3月31日前报送进展情况。逾期将列入督办。".into(),
        markdown: Some(
            "### 催报\n> 请各牵头单位于**3月31日**前报送进展情况。\n逾期将列入督办。".into(),
        ),
    }
}

fn plain_notice() -> Message {
    Message {
        markdown: None,
        ..notice()
    }
}

async fn within<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_TIMEOUT, fut)
        .await
        .expect("the send finished in time")
}

// ---------------------------------------------------------------------------------------
// A tiny HTTP/1.1 server.

#[derive(Debug, Clone)]
struct HttpRequest {
    method: String,
    /// Path and query, as sent.
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    /// The query's parameters, percent-decoded.
    fn query(&self) -> Vec<(String, String)> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

type Recorded<T> = Arc<Mutex<Vec<T>>>;

/// Serves HTTP on 127.0.0.1; `answer` turns each request into (status, body).
async fn http_server(
    answer: impl Fn(&HttpRequest) -> (u16, String) + Send + Sync + 'static,
) -> (SocketAddr, Recorded<HttpRequest>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorded: Recorded<HttpRequest> = Arc::default();
    let log = recorded.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        for _ in 0..MAX_CONNECTIONS {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (log, answer) = (log.clone(), answer.clone());
            tokio::spawn(async move {
                let mut stream = stream;
                if let Some(request) = read_http_request(&stream).await {
                    log.lock().unwrap().push(request.clone());
                    let (status, body) = answer(&request);
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json;charset=UTF-8\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                }
            });
        }
    });
    (addr, recorded)
}

/// Reads one request: head up to the blank line, then Content-Length bytes of body.
async fn read_http_request(stream: &TcpStream) -> Option<HttpRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_INPUT {
            return None;
        }
        stream.readable().await.ok()?;
        match stream.try_read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_string();
    let target = start.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
        .min(MAX_INPUT);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        stream.readable().await.ok()?;
        match stream.try_read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    }
    body.truncate(length);
    Some(HttpRequest {
        method,
        target,
        headers,
        body,
    })
}

fn ok_answer() -> (u16, String) {
    (200, r#"{"errcode":0,"errmsg":"ok"}"#.to_string())
}

fn wecom(addr: SocketAddr) -> Channel {
    Channel::WeCom(WeComConfig {
        base_url: format!("http://{addr}/cgi-bin/webhook/send"),
        ..WeComConfig::new(WECOM_KEY)
    })
}

fn dingtalk(addr: SocketAddr, secret: &str) -> Channel {
    Channel::DingTalk(DingTalkConfig {
        base_url: format!("http://{addr}/robot/send"),
        ..DingTalkConfig::new(DINGTALK_TOKEN, secret)
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Answers like a DingTalk robot secured by 加签 with `secret`: checks the access token, that
/// the timestamp is within an hour of now and that `sign` is the signature, else 310000.
fn dingtalk_robot(secret: &'static str) -> impl Fn(&HttpRequest) -> (u16, String) {
    move |req| {
        if req.param("access_token").as_deref() != Some(DINGTALK_TOKEN) {
            return (
                200,
                r#"{"errcode":300001,"errmsg":"token is not exist"}"#.into(),
            );
        }
        let timestamp: Option<i64> = req.param("timestamp").and_then(|t| t.parse().ok());
        let sign = req.param("sign").unwrap_or_default();
        let valid = timestamp.is_some_and(|ts| {
            let expected = hmac_sha256(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes());
            (now_ms() - ts).abs() < 3_600_000
                && STANDARD.decode(&sign).ok().as_deref() == Some(&expected[..])
        });
        if valid {
            ok_answer()
        } else {
            (
                200,
                r#"{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}"#
                    .into(),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------
// WeCom.

#[tokio::test]
async fn wecom_markdown_is_posted_exactly_and_errcode_0_is_success() {
    let (addr, seen) = http_server(|_| ok_answer()).await;
    let delivery = within(send(&wecom(addr), &notice(), &Recipient::Channel))
        .await
        .unwrap();
    assert_eq!(delivery.kind, ChannelKind::WeCom);
    assert_eq!(delivery.receipt, "ok");
    assert!(delivery.recipients.is_empty());

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.target, format!("/cgi-bin/webhook/send?key={WECOM_KEY}"));
    assert_eq!(req.header("host"), Some(addr.to_string().as_str()));
    assert_eq!(
        req.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        req.json(),
        json!({"msgtype": "markdown", "markdown": {"content": notice().markdown.unwrap()}})
    );
}

#[tokio::test]
async fn wecom_text_without_markdown() {
    let (addr, seen) = http_server(|_| ok_answer()).await;
    within(send(&wecom(addr), &plain_notice(), &Recipient::Channel))
        .await
        .unwrap();
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(
        req.json(),
        json!({"msgtype": "text", "text": {"content":
            "催报：2024年一季度重点任务进展\n请各牵头单位于3月31日前报送进展情况。逾期将列入督办。"}})
    );
}

#[tokio::test]
async fn wecom_rate_limit_45009_is_retryable() {
    let (addr, _) = http_server(|_| {
        (
            200,
            r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#.into(),
        )
    })
    .await;
    let err = within(send(&wecom(addr), &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SendError::Api {
            kind: ChannelKind::WeCom,
            errcode: 45009,
            errmsg: "api freq out of limit".into()
        }
    );
    assert!(err.is_retryable());
    assert!(err.is_rate_limited());
}

#[tokio::test]
async fn wecom_other_errcode_is_not_success_nor_retryable() {
    let (addr, _) = http_server(|_| {
        (
            200,
            r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#.into(),
        )
    })
    .await;
    let err = within(send(&wecom(addr), &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SendError::Api { errcode: 93000, .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn http_500_is_retryable_and_404_is_not() {
    let (addr, seen) = http_server(|req| {
        if req.target.starts_with("/missing") {
            (404, "not found".into())
        } else {
            (500, "internal error".into())
        }
    })
    .await;
    let err = within(send(&wecom(addr), &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SendError::Http {
            status: 500,
            body: "internal error".into()
        }
    );
    assert!(err.is_retryable());

    let missing = Channel::WeCom(WeComConfig {
        base_url: format!("http://{addr}/missing"),
        ..WeComConfig::new(WECOM_KEY)
    });
    let err = within(send(&missing, &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Http { status: 404, .. }), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn http_200_without_errcode_is_a_protocol_error() {
    let (addr, _) = http_server(|_| (200, "<html>统一身份认证</html>".into())).await;
    let err = within(send(&wecom(addr), &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Protocol(_)), "{err}");
    assert!(!err.is_retryable());
}

// ---------------------------------------------------------------------------------------
// DingTalk.

#[tokio::test]
async fn dingtalk_signed_markdown_is_accepted_by_a_verifying_robot() {
    let (addr, seen) = http_server(dingtalk_robot(DINGTALK_SECRET)).await;
    let before = now_ms();
    let delivery = within(send(
        &dingtalk(addr, DINGTALK_SECRET),
        &notice(),
        &Recipient::Channel,
    ))
    .await
    .unwrap();
    assert_eq!(delivery.kind, ChannelKind::DingTalk);
    assert_eq!(delivery.receipt, "ok");

    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(req.method, "POST");
    assert!(req.target.starts_with("/robot/send?"), "{}", req.target);
    let names: Vec<String> = req.query().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["access_token", "timestamp", "sign"]);
    let ts: i64 = req.param("timestamp").unwrap().parse().unwrap();
    assert!(
        ts >= before && ts <= now_ms(),
        "timestamp {ts} in milliseconds, now"
    );
    // The raw query carries the signature URL-encoded exactly once.
    let sign = dingtalk_sign(DINGTALK_SECRET, ts);
    let encoded: String = url::form_urlencoded::byte_serialize(sign.as_bytes()).collect();
    assert_eq!(
        req.target,
        format!("/robot/send?access_token={DINGTALK_TOKEN}&timestamp={ts}&sign={encoded}")
    );
    assert_eq!(
        req.json(),
        json!({"msgtype": "markdown", "markdown": {
            "title": "催报：2024年一季度重点任务进展",
            "text": notice().markdown.unwrap(),
        }})
    );
}

#[tokio::test]
async fn dingtalk_text_without_markdown() {
    let (addr, seen) = http_server(dingtalk_robot(DINGTALK_SECRET)).await;
    within(send(
        &dingtalk(addr, DINGTALK_SECRET),
        &plain_notice(),
        &Recipient::Channel,
    ))
    .await
    .unwrap();
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(
        req.json(),
        json!({"msgtype": "text", "text": {"content":
            "催报：2024年一季度重点任务进展\n请各牵头单位于3月31日前报送进展情况。逾期将列入督办。"}})
    );
}

#[tokio::test]
async fn dingtalk_wrong_secret_gets_310000_which_is_not_retryable() {
    let (addr, seen) = http_server(dingtalk_robot(DINGTALK_SECRET)).await;
    let err = within(send(
        &dingtalk(addr, "SECnot-the-robots-secret"),
        &notice(),
        &Recipient::Channel,
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(err, SendError::Api { kind: ChannelKind::DingTalk, errcode: 310000, ref errmsg } if errmsg.starts_with("sign not match")),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn dingtalk_send_too_fast_is_retryable() {
    let (addr, _) = http_server(|_| {
        (
            200,
            r#"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#.into(),
        )
    })
    .await;
    let err = within(send(
        &dingtalk(addr, DINGTALK_SECRET),
        &notice(),
        &Recipient::Channel,
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Api {
                errcode: 130101,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.is_retryable() && err.is_rate_limited());
}

#[tokio::test]
async fn dingtalk_robot_without_secret_sends_no_signature() {
    let (addr, seen) = http_server(|_| ok_answer()).await;
    let channel = Channel::DingTalk(DingTalkConfig {
        base_url: format!("http://{addr}/robot/send"),
        secret: None,
        ..DingTalkConfig::new(DINGTALK_TOKEN, "")
    });
    within(send(&channel, &notice(), &Recipient::Channel))
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap()[0].target,
        format!("/robot/send?access_token={DINGTALK_TOKEN}")
    );
}

// ---------------------------------------------------------------------------------------
// Transport failures and misuse.

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = within(send(&wecom(addr), &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transport(_)), "{err}");
    assert!(err.is_retryable());

    let email = Channel::Email(EmailConfig {
        to: vec!["a@example.gov.cn".into()],
        ..EmailConfig::new("127.0.0.1", addr.port(), TlsMode::Plain, "b@example.gov.cn")
    });
    let err = within(send(&email, &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transport(_)), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_silent_robot_times_out_as_a_transport_error() {
    // Accepts and reads, never answers; holds the connection until the test ends.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let mut sink = Vec::new();
            let _ = (&mut stream)
                .take(MAX_INPUT as u64)
                .read_to_end(&mut sink)
                .await;
        }
    });
    let channel = Channel::WeCom(WeComConfig {
        base_url: format!("http://{addr}/cgi-bin/webhook/send"),
        timeout: Duration::from_millis(300),
        ..WeComConfig::new(WECOM_KEY)
    });
    let started = Instant::now();
    let err = within(send(&channel, &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transport(_)), "{err}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn https_urls_go_through_tls() {
    // A plain HTTP server behind an https:// URL: it answers in clear text at once, so the
    // TLS handshake fails, which shows that https robots are spoken to over TLS (the real
    // endpoints are HTTPS).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let answer = ok_answer().1;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    let channel = Channel::WeCom(WeComConfig {
        base_url: format!("https://{addr}/cgi-bin/webhook/send"),
        ..WeComConfig::new(WECOM_KEY)
    });
    let err = within(send(&channel, &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transport(_)), "{err}");
}

#[tokio::test]
async fn robots_take_no_email_recipients_and_email_needs_some() {
    let robot = Channel::WeCom(WeComConfig::new(WECOM_KEY));
    let to = Recipient::Email(vec!["a@example.gov.cn".into()]);
    let err = send(&robot, &notice(), &to).await.unwrap_err();
    assert!(matches!(err, SendError::Invalid(_)), "{err}");
    assert!(!err.is_retryable());

    let email = Channel::Email(EmailConfig::new(
        "127.0.0.1",
        1,
        TlsMode::Plain,
        "b@example.gov.cn",
    ));
    let err = send(&email, &notice(), &Recipient::Channel)
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Invalid(_)), "{err}");
    let err = send(
        &email,
        &notice(),
        &Recipient::Email(vec!["不是地址".into()]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SendError::Invalid(_)), "{err}");
}

#[test]
fn debug_never_shows_secrets() {
    let channels = [
        Channel::WeCom(WeComConfig {
            base_url: "https://wx.example.gov.cn/cgi-bin/webhook/send?key=pasted-XYZZY".into(),
            ..WeComConfig::new("wecom-XYZZY-key")
        }),
        Channel::DingTalk(DingTalkConfig::new(
            "dingtalk-XYZZY-token",
            "SECdingtalk-XYZZY",
        )),
        Channel::Email(EmailConfig {
            username: Some("zhuanban".into()),
            password: Some("smtp-XYZZY-password".into()),
            to: vec!["a@example.gov.cn".into()],
            ..EmailConfig::new(
                "smtp.example.gov.cn",
                465,
                TlsMode::Implicit,
                "b@example.gov.cn",
            )
        }),
    ];
    for channel in &channels {
        for text in [format!("{channel:?}"), format!("{channel:#?}")] {
            assert!(!text.contains("XYZZY"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
    }
    let email = format!("{:?}", channels[2]);
    assert!(email.contains("smtp.example.gov.cn") && email.contains("zhuanban"));
    let wecom = format!("{:?}", channels[0]);
    assert!(wecom.contains("https://wx.example.gov.cn/cgi-bin/webhook/send?<redacted>"));
}

// ---------------------------------------------------------------------------------------
// A tiny SMTP server.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Rcpt {
    Accept,
    /// Permanent: mailbox unavailable.
    Reject550,
    /// Transient: local error in processing.
    Defer451,
}

#[derive(Debug, Clone, Default)]
struct SmtpSession {
    /// Every command line, as received.
    commands: Vec<String>,
    mail_from: String,
    rcpt_to: Vec<String>,
    /// The message after DATA, dot-unstuffed, without the final ".".
    data: String,
}

async fn smtp_server(rcpt: Rcpt) -> (SocketAddr, Recorded<SmtpSession>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorded: Recorded<SmtpSession> = Arc::default();
    let log = recorded.clone();
    tokio::spawn(async move {
        for _ in 0..MAX_CONNECTIONS {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let session = smtp_session(stream, rcpt).await;
                log.lock().unwrap().push(session);
            });
        }
    });
    (addr, recorded)
}

async fn smtp_session(stream: TcpStream, rcpt: Rcpt) -> SmtpSession {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read.take(MAX_INPUT as u64)).lines();
    let mut session = SmtpSession::default();
    let _ = write.write_all(b"220 127.0.0.1 ESMTP test\r\n").await;
    // Bounded: at most this many command lines per session.
    for _ in 0..64 {
        let Ok(Some(line)) = lines.next_line().await else {
            break;
        };
        session.commands.push(line.clone());
        let verb = line
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-127.0.0.1 greets you\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
            "HELO" => b"250 127.0.0.1\r\n",
            "AUTH" => b"235 2.7.0 Authentication successful\r\n",
            "MAIL" => {
                session.mail_from = line[10..].to_string();
                b"250 2.1.0 Ok\r\n"
            }
            "RCPT" => match rcpt {
                Rcpt::Accept => {
                    session.rcpt_to.push(line[8..].to_string());
                    b"250 2.1.5 Ok\r\n"
                }
                Rcpt::Reject550 => b"550 5.1.1 <nobody@example.gov.cn>: Recipient address rejected: User unknown\r\n",
                Rcpt::Defer451 => b"451 4.3.0 Temporary lookup failure\r\n",
            },
            "DATA" => {
                let _ = write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await;
                let mut data = String::new();
                loop {
                    let Ok(Some(line)) = lines.next_line().await else {
                        return session;
                    };
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push_str("\r\n");
                }
                session.data = data;
                b"250 2.0.0 Ok: queued as 4AB12\r\n"
            }
            "RSET" | "NOOP" => b"250 2.0.0 Ok\r\n",
            "QUIT" => {
                let _ = write.write_all(b"221 2.0.0 Bye\r\n").await;
                break;
            }
            _ => b"502 5.5.2 Error: command not recognized\r\n",
        };
        if write.write_all(reply).await.is_err() {
            break;
        }
    }
    session
}

fn email_channel(addr: SocketAddr) -> EmailConfig {
    EmailConfig {
        to: vec![
            "牵头单位 <lead@example.gov.cn>".into(),
            "office@example.gov.cn".into(),
        ],
        hello_name: Some("zhuanban.example.gov.cn".into()),
        ..EmailConfig::new(
            "127.0.0.1",
            addr.port(),
            TlsMode::Plain,
            "专班 <zhuanban@example.gov.cn>",
        )
    }
}

/// The unfolded value of header `name` in a raw message.
fn header(data: &str, name: &str) -> Option<String> {
    let head = data.split("\r\n\r\n").next()?;
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.split("\r\n").find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// Decodes RFC 2047 `=?utf-8?b?…?=` words (adjacent words join without their whitespace).
fn decode_words(value: &str) -> String {
    let mut bytes = Vec::new();
    for word in value.split_whitespace() {
        let parts: Vec<&str> = word.split('?').collect();
        match parts.as_slice() {
            ["=", charset, enc, text, "="] => {
                assert!(charset.eq_ignore_ascii_case("utf-8"), "{word}");
                assert!(enc.eq_ignore_ascii_case("b"), "{word}");
                bytes.extend(STANDARD.decode(text).expect("base64 word"));
            }
            _ => {
                if !bytes.is_empty() {
                    bytes.push(b' ');
                }
                bytes.extend_from_slice(word.as_bytes());
            }
        }
    }
    String::from_utf8(bytes).expect("UTF-8")
}

fn decoded_body(data: &str) -> String {
    let (_, body) = data
        .split_once("\r\n\r\n")
        .expect("a blank line ends the head");
    let b64: String = body.split_whitespace().collect();
    String::from_utf8(STANDARD.decode(b64).expect("base64 body")).expect("UTF-8 body")
}

// ---------------------------------------------------------------------------------------
// E-mail.

#[tokio::test]
async fn email_is_delivered_with_chinese_subject_and_body() {
    let (addr, seen) = smtp_server(Rcpt::Accept).await;
    let channel = Channel::Email(email_channel(addr));
    let delivery = within(send(&channel, &notice(), &Recipient::Channel))
        .await
        .unwrap();
    assert_eq!(delivery.kind, ChannelKind::Email);
    assert_eq!(delivery.recipients, email_channel(addr).to);
    assert_eq!(delivery.receipt, "250 2.0.0 Ok: queued as 4AB12");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(s.commands[0], "EHLO zhuanban.example.gov.cn");
    assert!(!s.commands.iter().any(|c| c.starts_with("AUTH")));
    assert_eq!(s.mail_from, "<zhuanban@example.gov.cn>");
    assert_eq!(
        s.rcpt_to,
        ["<lead@example.gov.cn>", "<office@example.gov.cn>"]
    );
    assert_eq!(s.commands.last().map(String::as_str), Some("QUIT"));

    let data = &s.data;
    assert!(data.is_ascii(), "the message needs no 8BITMIME");
    assert_eq!(
        decode_words(&header(data, "Subject").unwrap()),
        "催报：2024年一季度重点任务进展"
    );
    let from = decode_words(&header(data, "From").unwrap());
    assert!(
        from.contains("专班") && from.contains("<zhuanban@example.gov.cn>"),
        "{from}"
    );
    let to = decode_words(&header(data, "To").unwrap());
    assert!(
        to.contains("牵头单位") && to.contains("office@example.gov.cn"),
        "{to}"
    );
    assert_eq!(
        header(data, "Content-Type").unwrap().to_ascii_lowercase(),
        "text/plain; charset=utf-8"
    );
    assert_eq!(header(data, "Content-Transfer-Encoding").unwrap(), "base64");
    assert!(header(data, "Date").is_some());
    assert_eq!(
        decoded_body(data),
        "请各牵头单位于3月31日前报送进展情况。逾期将列入督办。"
    );
}

#[tokio::test]
async fn email_to_explicit_addresses_with_login() {
    let (addr, seen) = smtp_server(Rcpt::Accept).await;
    let channel = Channel::Email(EmailConfig {
        username: Some("zhuanban".into()),
        password: Some("口令-pass".into()),
        ..email_channel(addr)
    });
    let to = Recipient::Email(vec!["duban@example.gov.cn".into()]);
    let delivery = within(send(&channel, &notice(), &to)).await.unwrap();
    assert_eq!(delivery.recipients, ["duban@example.gov.cn"]);

    let s = seen.lock().unwrap()[0].clone();
    assert_eq!(s.rcpt_to, ["<duban@example.gov.cn>"]);
    let auth = s
        .commands
        .iter()
        .find(|c| c.starts_with("AUTH PLAIN "))
        .expect("AUTH PLAIN sent");
    let plain = STANDARD.decode(&auth["AUTH PLAIN ".len()..]).unwrap();
    assert_eq!(plain, "\0zhuanban\0口令-pass".as_bytes());
    let auth_at = s
        .commands
        .iter()
        .position(|c| c.starts_with("AUTH"))
        .unwrap();
    let mail_at = s
        .commands
        .iter()
        .position(|c| c.starts_with("MAIL"))
        .unwrap();
    assert!(auth_at < mail_at);
}

#[tokio::test]
async fn email_rcpt_550_is_permanent() {
    let (addr, seen) = smtp_server(Rcpt::Reject550).await;
    let err = within(send(
        &Channel::Email(email_channel(addr)),
        &notice(),
        &Recipient::Channel,
    ))
    .await
    .unwrap_err();
    match &err {
        SendError::Smtp { code, message } => {
            assert_eq!(*code, 550);
            assert!(message.contains("User unknown"), "{message}");
        }
        other => panic!("expected an SMTP rejection, got {other:?}"),
    }
    assert!(!err.is_retryable());
    // Nothing was delivered.
    assert!(seen.lock().unwrap().iter().all(|s| s.data.is_empty()));
}

#[tokio::test]
async fn email_rcpt_451_is_transient() {
    let (addr, seen) = smtp_server(Rcpt::Defer451).await;
    let err = within(send(
        &Channel::Email(email_channel(addr)),
        &notice(),
        &Recipient::Channel,
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, SendError::Smtp { code: 451, .. }), "{err}");
    assert!(err.is_retryable());
    assert!(seen.lock().unwrap().iter().all(|s| s.data.is_empty()));
}

#[tokio::test]
async fn email_starttls_required_but_not_offered_is_a_configuration_error() {
    let (addr, seen) = smtp_server(Rcpt::Accept).await;
    let channel = Channel::Email(EmailConfig {
        tls: TlsMode::StartTls,
        ..email_channel(addr)
    });
    let err = within(send(&channel, &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Invalid(_)), "{err}");
    assert!(!err.is_retryable());
    // The message never went out in clear.
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|s| s.data.is_empty() && !s.commands.iter().any(|c| c.starts_with("MAIL")))
    );
}

#[tokio::test]
async fn email_implicit_tls_against_a_plain_server_fails_in_transport() {
    let (addr, seen) = smtp_server(Rcpt::Accept).await;
    let channel = Channel::Email(EmailConfig {
        tls: TlsMode::Implicit,
        timeout: Duration::from_secs(2),
        ..email_channel(addr)
    });
    let err = within(send(&channel, &notice(), &Recipient::Channel))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transport(_)), "{err}");
    assert!(seen.lock().unwrap().iter().all(|s| s.data.is_empty()));
}
