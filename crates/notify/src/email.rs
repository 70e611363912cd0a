//! E-mail over SMTP (lettre on tokio; rustls on `ring` for STARTTLS and implicit TLS).

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

use crate::config::{ChannelKind, EmailConfig, TlsMode};
use crate::{Delivery, Message, Recipient, SendError, error_chain};

pub(crate) async fn send(
    cfg: &EmailConfig,
    msg: &Message,
    to: &Recipient,
) -> Result<Delivery, SendError> {
    let recipients = match to {
        Recipient::Channel => &cfg.to,
        Recipient::Email(list) => list,
    };
    if recipients.is_empty() {
        return Err(SendError::Invalid("no e-mail recipients".into()));
    }
    let email = build(cfg, msg, recipients)?;
    let transport = transport(cfg)?;
    let response = transport.send(email).await.map_err(smtp_error)?;
    let mut receipt = response.code().to_string();
    for line in response.message() {
        receipt.push(' ');
        receipt.push_str(line);
    }
    Ok(Delivery {
        kind: ChannelKind::Email,
        recipients: recipients.clone(),
        receipt,
    })
}

/// The message: UTF-8 subject (RFC 2047 encoded words) and a `text/plain; charset=utf-8` body
/// in base64, so that the whole message is ASCII and needs no 8BITMIME from the server.
fn build(
    cfg: &EmailConfig,
    msg: &Message,
    recipients: &[String],
) -> Result<lettre::Message, SendError> {
    let mailbox = |text: &str, role: &str| -> Result<Mailbox, SendError> {
        text.trim()
            .parse()
            .map_err(|e| SendError::Invalid(format!("{role} address {text:?}: {e}")))
    };
    let mut builder = lettre::Message::builder()
        .from(mailbox(&cfg.from, "sender")?)
        .subject(msg.title.clone());
    for r in recipients {
        builder = builder.to(mailbox(r, "recipient")?);
    }
    let part = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::Base64)
        .body(msg.body.clone());
    builder
        .singlepart(part)
        .map_err(|e| SendError::Invalid(format!("e-mail: {e}")))
}

fn transport(cfg: &EmailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let host = cfg.host.trim();
    if host.is_empty() {
        return Err(SendError::Invalid("no SMTP host".into()));
    }
    let builder = match cfg.tls {
        TlsMode::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        TlsMode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|e| SendError::Invalid(format!("SMTP TLS setup: {}", error_chain(&e))))?,
        TlsMode::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
            .map_err(|e| SendError::Invalid(format!("SMTP TLS setup: {}", error_chain(&e))))?,
    };
    let mut builder = builder.port(cfg.port).timeout(Some(cfg.timeout));
    match (&cfg.username, &cfg.password) {
        (Some(user), Some(password)) => {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        (None, None) => {}
        _ => {
            return Err(SendError::Invalid(
                "SMTP username and password go together".into(),
            ));
        }
    }
    if let Some(name) = &cfg.hello_name {
        builder = builder.hello_name(ClientId::Domain(name.clone()));
    }
    Ok(builder.build())
}

/// SMTP reply codes keep their class (4xx transient, 5xx permanent); lettre's own refusals
/// (e.g. STARTTLS required but not offered) are configuration errors; the rest is transport.
fn smtp_error(err: lettre::transport::smtp::Error) -> SendError {
    use std::error::Error as _;
    if let Some(code) = err.status() {
        let message = err.source().map(ToString::to_string).unwrap_or_default();
        return match code.to_string().parse::<u16>() {
            Ok(code) => SendError::Smtp { code, message },
            Err(_) => SendError::Protocol(error_chain(&err)),
        };
    }
    if err.is_client() {
        SendError::Invalid(format!("SMTP: {}", error_chain(&err)))
    } else if err.is_response() {
        SendError::Protocol(format!("SMTP: {}", error_chain(&err)))
    } else {
        SendError::Transport(format!("SMTP: {}", error_chain(&err)))
    }
}
