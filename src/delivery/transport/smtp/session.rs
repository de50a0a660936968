//! Opening an SMTP session: connect, STARTTLS (required unless the relay
//! is on loopback) or implicit TLS, EHLO (what the relay offers), AUTH with
//! the credentials from the environment.

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;

use crate::config::relay::Relay;

/// How to open connections: TLS roots, timeout, credentials, our name.
#[derive(Clone)]
pub struct Connector {
    pub timeout: Duration,
    pub ca_pem: Option<Vec<u8>>,
    pub credentials: Option<Credentials>,
    pub hello: ClientId,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why no session could be opened with a relay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error("the CA file is not a PEM certificate: {0}")]
    CaFile(String),
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("{relay} {step}: {why}")]
    Refused {
        relay: String,
        step: Step,
        why: String,
    },
    #[error(
        "{0} does not offer STARTTLS; pressroom sends in the clear only to a relay on this machine (use smtps:// or a relay with STARTTLS)"
    )]
    NoStartTls(String),
}

/// The step of opening a session that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Connect,
    StartTls,
    Ehlo,
    Login,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Connect => "cannot be reached",
            Step::StartTls => "failed STARTTLS",
            Step::Ehlo => "refused EHLO",
            Step::Login => "refused the login (PRESSROOM_SMTP_USER)",
        })
    }
}

impl Connector {
    /// From the environment: `PRESSROOM_SMTP_USER` / `PRESSROOM_SMTP_PASSWORD`.
    pub fn from_env(timeout: Duration, ca_pem: Option<Vec<u8>>, hello_domain: &str) -> Self {
        let credentials = match (
            std::env::var("PRESSROOM_SMTP_USER"),
            std::env::var("PRESSROOM_SMTP_PASSWORD"),
        ) {
            (Ok(u), Ok(p)) => Some(Credentials::new(u, p)),
            _ => None,
        };
        Self {
            timeout,
            ca_pem,
            credentials,
            hello: ClientId::Domain(hello_domain.to_string()),
        }
    }

    fn tls(&self, relay: &Relay) -> Result<TlsParameters, ConnectError> {
        let mut b = TlsParameters::builder(relay.host.clone());
        if let Some(pem) = &self.ca_pem {
            let cert =
                Certificate::from_pem(pem).map_err(|e| ConnectError::CaFile(e.to_string()))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls()
            .map_err(|e| ConnectError::Tls(e.to_string()))
    }

    /// Connects, secures and authenticates.
    pub fn connect(&self, relay: &Relay) -> Result<Session, ConnectError> {
        let at = |step: Step| {
            move |e: lettre::transport::smtp::Error| ConnectError::Refused {
                relay: relay.to_string(),
                step,
                why: e.to_string(),
            }
        };
        let tls = self.tls(relay)?;
        let addr = (relay.host.as_str(), relay.port);
        let implicit = relay.implicit_tls.then_some(&tls);
        let mut smtp =
            SmtpConnection::connect(addr, Some(self.timeout), &self.hello, implicit, None)
                .map_err(at(Step::Connect))?;
        if !relay.implicit_tls {
            if smtp.can_starttls() {
                smtp.starttls(&tls, &self.hello)
                    .map_err(at(Step::StartTls))?;
            } else if !relay.is_loopback() {
                smtp.abort();
                return Err(ConnectError::NoStartTls(relay.to_string()));
            }
        }
        // lettre does not track PIPELINING (RFC 2920); ask once more, before AUTH.
        let ehlo = smtp
            .command(Ehlo::new(self.hello.clone()))
            .map_err(at(Step::Ehlo))?;
        let offers = |ext: &str| ehlo.message().any(|l| l.trim().eq_ignore_ascii_case(ext));
        let pipelining = offers("PIPELINING");
        let smtputf8 = offers("SMTPUTF8");
        if let Some(c) = &self.credentials {
            smtp.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .map_err(at(Step::Login))?;
        }
        Ok(Session {
            smtp,
            pipelining,
            smtputf8,
            ahead: None,
        })
    }
}

/// An open SMTP connection and what the relay offers.
pub struct Session {
    pub smtp: SmtpConnection,
    /// MAIL, RCPT and DATA may go in one write (RFC 2920).
    pub pipelining: bool,
    /// Addresses with letters outside ASCII may be used (RFC 6531).
    pub smtputf8: bool,
    /// The sender and recipient of a transaction whose MAIL, RCPT and DATA
    /// went with the last message's content, their replies not read yet
    /// (RFC 2920 lets a message's content and the next commands share one
    /// write: one round trip a message instead of two).
    pub ahead: Option<(lettre::Address, lettre::Address)>,
}

impl Session {
    /// Ends the session with QUIT; with a transaction written ahead (the
    /// relay waits for its content, so QUIT would be read as text) the
    /// connection is closed instead, and a relay delivers nothing of a
    /// message whose end it never saw (RFC 5321 4.1.1.4).
    pub fn quit(&mut self) {
        if self.ahead.is_none() {
            let _ = self.smtp.quit();
        }
    }
}
