//! SMTP relays: `smtp://` (STARTTLS, required unless the relay is on
//! loopback) and `smtps://` (implicit TLS), with credentials from the
//! environment. A transaction that fails is reset (RSET) or its connection
//! dropped, never reused dirty.

use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, MailParameter};

pub use crate::config::relay::{Relay, redact_userinfo};

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

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// 4xx, a timeout or a dropped connection: try again later.
    Transient {
        reply: String,
        connection_lost: bool,
    },
    /// 5xx: this message will not be accepted. `code` is e.g. 550.
    Permanent {
        code: u16,
        /// The step the relay refused.
        stage: Stage,
        reply: String,
    },
}

/// The step of an SMTP transaction that a reply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    MailFrom,
    RcptTo,
    Data,
}

impl SendError {
    /// True when the refusal says that this recipient's address is dead (a
    /// hard bounce, to be suppressed): a 5xx reply to RCPT TO with an
    /// address status (5.1.x), or 550/551/553 without a policy code
    /// (5.7.x: policy, authentication, DMARC, reputation). A refusal of the
    /// sender (MAIL FROM) or of the content (DATA) says nothing about the
    /// recipient.
    pub fn is_hard_bounce(&self) -> bool {
        let SendError::Permanent { code, stage, reply } = self else {
            return false;
        };
        if *stage != Stage::RcptTo {
            return false;
        }
        match enhanced_status(reply) {
            Some((5, 1, _)) => true,
            Some((_, 7, _)) => false,
            _ => matches!(code, 550 | 551 | 553),
        }
    }
}

/// The enhanced status code (RFC 3463, `class.subject.detail`) in a reply,
/// if it carries one.
pub fn enhanced_status(reply: &str) -> Option<(u8, u16, u16)> {
    reply
        .split(|c: char| c.is_whitespace() || c == ':' || c == '(' || c == ')')
        .find_map(|word| {
            let mut parts = word.split('.');
            let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || a.len() != 1 || b.is_empty() || b.len() > 3 {
                return None;
            }
            let class: u8 = a.parse().ok()?;
            if !matches!(class, 2 | 4 | 5) || c.is_empty() || c.len() > 3 {
                return None;
            }
            Some((class, b.parse().ok()?, c.parse().ok()?))
        })
}

fn code_of(e: &lettre::transport::smtp::Error) -> Option<u16> {
    e.status().and_then(|c| c.to_string().parse().ok())
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

    fn tls(&self, relay: &Relay) -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(relay.host.clone());
        if let Some(pem) = &self.ca_pem {
            let cert = Certificate::from_pem(pem)
                .map_err(|e| format!("the CA file is not a PEM certificate: {e}"))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls()
            .map_err(|e| format!("TLS setup failed: {e}"))
    }

    /// Connects, secures and authenticates.
    pub fn connect(&self, relay: &Relay) -> Result<Session, String> {
        let tls = self.tls(relay)?;
        let addr = (relay.host.as_str(), relay.port);
        let implicit = relay.implicit_tls.then_some(&tls);
        let mut conn =
            SmtpConnection::connect(addr, Some(self.timeout), &self.hello, implicit, None)
                .map_err(|e| format!("cannot connect to {relay}: {e}"))?;
        if !relay.implicit_tls {
            if conn.can_starttls() {
                conn.starttls(&tls, &self.hello)
                    .map_err(|e| format!("STARTTLS with {relay} failed: {e}"))?;
            } else if !relay.is_loopback() {
                conn.abort();
                return Err(format!(
                    "{relay} does not offer STARTTLS; pressroom sends in the clear only to a relay on this machine (use smtps:// or a relay with STARTTLS)"
                ));
            }
        }
        // lettre does not track PIPELINING (RFC 2920); ask once more, before AUTH.
        let ehlo = conn
            .command(Ehlo::new(self.hello.clone()))
            .map_err(|e| format!("{relay} refused EHLO: {e}"))?;
        let offers = |ext: &str| ehlo.message().any(|l| l.trim().eq_ignore_ascii_case(ext));
        let pipelining = offers("PIPELINING");
        let smtputf8 = offers("SMTPUTF8");
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .map_err(|e| format!("{relay} refused the login (PRESSROOM_SMTP_USER): {e}"))?;
        }
        Ok(Session {
            conn,
            pipelining,
            smtputf8,
        })
    }
}

/// An open SMTP connection and what the relay offers.
pub struct Session {
    pub conn: SmtpConnection,
    /// MAIL, RCPT and DATA may go in one write (RFC 2920).
    pub pipelining: bool,
    /// Addresses with letters outside ASCII may be used (RFC 6531).
    pub smtputf8: bool,
}

impl Session {
    pub fn quit(&mut self) {
        let _ = self.conn.quit();
    }
}

/// Several commands written at once.
struct Pipelined(String);

impl std::fmt::Display for Pipelined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The DATA payload, dot-stuffed (RFC 5321 4.5.2) and terminated.
struct DataPayload(String);

impl DataPayload {
    fn new(message: &[u8]) -> Self {
        let mut out = Vec::with_capacity(message.len() + 8);
        if message.first() == Some(&b'.') {
            out.push(b'.');
        }
        // Lines that start with "." get one more (SIMD search; rare in QP text).
        let mut rest = message;
        while let Some(i) = memchr::memmem::find(rest, b"\n.") {
            out.extend_from_slice(&rest[..=i]);
            out.push(b'.');
            rest = &rest[i + 1..];
        }
        out.extend_from_slice(rest);
        if !out.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        // `send` refuses a message that is not UTF-8 before any command, and
        // dot-stuffing adds only ASCII.
        Self(String::from_utf8(out).expect("send checked that the message is UTF-8"))
    }
}

impl std::fmt::Display for DataPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type SmtpResult =
    Result<lettre::transport::smtp::response::Response, lettre::transport::smtp::Error>;

/// Turns a failed step into a `SendError`, resetting the transaction (RSET)
/// or marking the connection lost.
fn fail(conn: &mut SmtpConnection, stage: Stage, e: lettre::transport::smtp::Error) -> SendError {
    let reply = e.to_string();
    if e.is_permanent() {
        let _ = conn.command(Rset);
        SendError::Permanent {
            code: code_of(&e).unwrap_or(550),
            stage,
            reply,
        }
    } else if e.is_transient() {
        let lost = conn.command(Rset).is_err();
        SendError::Transient {
            reply,
            connection_lost: lost,
        }
    } else {
        SendError::Transient {
            reply,
            connection_lost: true,
        }
    }
}

/// Sends one message in one transaction. After a refused command the
/// transaction is reset with RSET; after a network error the caller must drop
/// the connection (`connection_lost`).
pub fn send(
    session: &mut Session,
    from: &Address,
    to: &Address,
    message: &[u8],
) -> Result<String, SendError> {
    // lettre writes commands as text: a body that is not 7-bit or UTF-8
    // could only be altered on the way, so it is refused, never "repaired".
    if std::str::from_utf8(message).is_err() {
        return Err(SendError::Permanent {
            code: 554,
            stage: Stage::Data,
            reply: "the message is not 7-bit or UTF-8 text; pressroom sends no raw 8-bit bodies"
                .into(),
        });
    }
    let ascii = |a: &Address| AsRef::<str>::as_ref(a).is_ascii();
    let utf8 = !ascii(from) || !ascii(to);
    if utf8 && !session.smtputf8 {
        return Err(SendError::Permanent {
            code: 553,
            stage: Stage::MailFrom,
            reply: format!(
                "the relay does not offer SMTPUTF8, which {to} needs (letters outside ASCII before the '@')"
            ),
        });
    }
    let params = if utf8 {
        vec![MailParameter::SmtpUtfEight]
    } else {
        vec![]
    };
    let conn = &mut session.conn;
    let envelope = [
        Mail::new(Some(from.clone()), params).to_string(),
        Rcpt::new(to.clone(), vec![]).to_string(),
        Data.to_string(),
    ];
    if session.pipelining {
        // One write, three replies, all read before deciding.
        let replies: [SmtpResult; 3] = [
            conn.command(Pipelined(envelope.concat())),
            conn.read_response(),
            conn.read_response(),
        ];
        let [mail, rcpt, data] = replies;
        match (mail, rcpt, data) {
            (Ok(_), Ok(_), Ok(_)) => {}
            (m, r, d) => {
                let accepted_data = d.is_ok();
                let (stage, first_error) = [Stage::MailFrom, Stage::RcptTo, Stage::Data]
                    .into_iter()
                    .zip([m, r, d])
                    .find_map(|(stage, r)| r.err().map(|e| (stage, e)))
                    .expect("one step failed");
                if accepted_data {
                    // A server that took DATA after refusing the sender or
                    // recipient: end the empty message before resetting.
                    let _ = conn.command(Pipelined(".\r\n".into()));
                }
                return Err(fail(conn, stage, first_error));
            }
        }
    } else {
        for (stage, cmd) in [Stage::MailFrom, Stage::RcptTo, Stage::Data]
            .into_iter()
            .zip(envelope)
        {
            let r = conn.command(Pipelined(cmd));
            if let Err(e) = r {
                return Err(fail(conn, stage, e));
            }
        }
    }
    // One write for the whole payload and its terminator: lettre's `message()`
    // writes the final "." separately, which Nagle's algorithm and delayed
    // ACKs hold back for 40 ms on every message.
    match conn.command(DataPayload::new(message)) {
        Ok(resp) => Ok(resp.message().collect::<Vec<_>>().join(" ")),
        Err(e) => Err(fail(conn, Stage::Data, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(code: u16, stage: Stage, reply: &str) -> SendError {
        SendError::Permanent {
            code,
            stage,
            reply: format!("permanent error ({code}): {reply}"),
        }
    }

    #[test]
    fn only_a_refused_recipient_address_is_a_hard_bounce() {
        use Stage::*;
        for (code, stage, reply, hard) in [
            (550, RcptTo, "5.1.1 <a@example.org>: user unknown", true),
            (554, RcptTo, "5.1.1 no such mailbox", true),
            (550, RcptTo, "mailbox unavailable", true),
            (553, RcptTo, "5.1.3 bad address syntax", true),
            (551, RcptTo, "user not local", true),
            (550, RcptTo, "5.7.1 relaying denied", false),
            (553, RcptTo, "5.7.1 sender address rejected", false),
            (554, RcptTo, "5.7.26 DMARC policy", false),
            (552, RcptTo, "5.2.2 mailbox full", false),
            (554, RcptTo, "transaction failed", false),
            (553, MailFrom, "5.7.1 sender rejected", false),
            (550, MailFrom, "5.1.0 sender unknown", false),
            (
                554,
                Data,
                "5.7.26 unauthenticated mail is prohibited",
                false,
            ),
            (550, Data, "5.1.1 user unknown", false),
        ] {
            assert_eq!(
                refusal(code, stage, reply).is_hard_bounce(),
                hard,
                "{code} {stage:?} {reply}"
            );
        }
        assert_eq!(enhanced_status("x (550): 5.1.1 <a>"), Some((5, 1, 1)));
        assert_eq!(enhanced_status("550 mailbox 1.2.3.4 down"), None);
    }

    #[test]
    fn the_data_payload_is_dot_stuffed_and_terminated_once() {
        assert_eq!(
            DataPayload::new(b".a\r\nb\r\n.c\r\n").0,
            "..a\r\nb\r\n..c\r\n.\r\n"
        );
        assert_eq!(DataPayload::new(b"x").0, "x\r\n.\r\n");
    }
}
