//! One SMTP transaction on an open session: MAIL, RCPT and DATA in one
//! write when the relay offers PIPELINING (RFC 2920), the dot-stuffed body
//! and its terminator in one more, followed by the next transaction's MAIL,
//! RCPT and DATA when the sender has a next message: one round trip a
//! message. A refused step resets the transaction
//! (RSET); a lost connection is reported so that it is never reused dirty.

use lettre::Address;
use lettre::transport::smtp::client::SmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::MailParameter;

use super::Session;
use crate::delivery::transport::{SendError, Stage};

fn code_of(e: &lettre::transport::smtp::Error) -> Option<u16> {
    e.status().and_then(|c| c.to_string().parse().ok())
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
fn fail(smtp: &mut SmtpConnection, stage: Stage, e: lettre::transport::smtp::Error) -> SendError {
    let reply = e.to_string();
    if e.is_permanent() {
        let _ = smtp.command(Rset);
        SendError::Permanent {
            code: code_of(&e).unwrap_or(550),
            stage,
            reply,
        }
    } else if e.is_transient() {
        let lost = smtp.command(Rset).is_err();
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

/// MAIL, RCPT and DATA for `from` and `to` as one text, or why this relay
/// cannot take them (an address with letters outside ASCII needs SMTPUTF8).
fn envelope_commands(
    session: &Session,
    from: &Address,
    to: &Address,
) -> Result<[String; 3], SendError> {
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
    Ok([
        Mail::new(Some(from.clone()), params).to_string(),
        Rcpt::new(to.clone(), vec![]).to_string(),
        Data.to_string(),
    ])
}

/// The replies to MAIL, RCPT and DATA, all read before deciding: a refusal
/// is the first refused step's, and a relay that took DATA after refusing
/// the sender or recipient gets an empty message ended before the reset.
fn check_envelope(smtp: &mut SmtpConnection, replies: [SmtpResult; 3]) -> Result<(), SendError> {
    let [mail, rcpt, data] = replies;
    match (mail, rcpt, data) {
        (Ok(_), Ok(_), Ok(_)) => Ok(()),
        (m, r, d) => {
            let accepted_data = d.is_ok();
            let (stage, first_error) = [Stage::MailFrom, Stage::RcptTo, Stage::Data]
                .into_iter()
                .zip([m, r, d])
                .find_map(|(stage, r)| r.err().map(|e| (stage, e)))
                .expect("one step failed");
            if accepted_data {
                let _ = smtp.command(Pipelined(".\r\n".into()));
            }
            Err(fail(smtp, stage, first_error))
        }
    }
}

/// A refused message whose connection already carries the next
/// transaction's commands: no RSET (the relay answered this message in full
/// and has the next one's commands to answer); a reply the connection ends
/// with (421, a network error) drops it.
fn refused_with_next_ahead(e: &lettre::transport::smtp::Error) -> SendError {
    let reply = e.to_string();
    let code = code_of(e);
    if e.is_permanent() {
        SendError::Permanent {
            code: code.unwrap_or(550),
            stage: Stage::Data,
            reply,
        }
    } else {
        SendError::Transient {
            reply,
            connection_lost: !e.is_transient() || code == Some(421),
        }
    }
}

/// Sends one message in one transaction. After a refused command the
/// transaction is reset with RSET; after a network error the caller must drop
/// the connection (`connection_lost`). With `next` (and a relay that offers
/// PIPELINING), the next transaction's MAIL, RCPT and DATA go in the same
/// write as this message's content, and its replies are read when it is
/// sent ([`Session::ahead`]): one round trip a message.
pub fn send(
    session: &mut Session,
    from: &Address,
    to: &Address,
    message: &[u8],
    next: Option<(&Address, &Address)>,
) -> Result<String, SendError> {
    let ahead = session.ahead.take();
    debug_assert!(
        ahead.as_ref().is_none_or(|(f, t)| f == from && t == to),
        "the caller closes a connection whose commands went ahead for another message"
    );
    // lettre writes commands as text: a body that is not 7-bit or UTF-8
    // could only be altered on the way, so it is refused, never "repaired".
    if std::str::from_utf8(message).is_err() {
        // A transaction already in DATA cannot be reset: the connection goes.
        session.ahead = ahead;
        return Err(SendError::Permanent {
            code: 554,
            stage: Stage::Data,
            reply: "the message is not 7-bit or UTF-8 text; pressroom sends no raw 8-bit bodies"
                .into(),
        });
    }
    if ahead.is_some() {
        // MAIL, RCPT and DATA went with the last message's content.
        let smtp = &mut session.smtp;
        let replies = [
            smtp.read_response(),
            smtp.read_response(),
            smtp.read_response(),
        ];
        check_envelope(smtp, replies)?;
    } else {
        let envelope = envelope_commands(session, from, to)?;
        let smtp = &mut session.smtp;
        if session.pipelining {
            // One write, three replies, all read before deciding.
            let replies: [SmtpResult; 3] = [
                smtp.command(Pipelined(envelope.concat())),
                smtp.read_response(),
                smtp.read_response(),
            ];
            check_envelope(smtp, replies)?;
        } else {
            for (stage, cmd) in [Stage::MailFrom, Stage::RcptTo, Stage::Data]
                .into_iter()
                .zip(envelope)
            {
                let r = smtp.command(Pipelined(cmd));
                if let Err(e) = r {
                    return Err(fail(smtp, stage, e));
                }
            }
        }
    }
    // One write for the whole payload and its terminator: lettre's `message()`
    // writes the final "." separately, which Nagle's algorithm and delayed
    // ACKs hold back for 40 ms on every message. The next transaction's
    // commands follow in the same write when there is one.
    let mut payload = DataPayload::new(message);
    if session.pipelining
        && let Some((f, t)) = next
        && let Ok(commands) = envelope_commands(session, f, t)
    {
        payload.0.push_str(&commands.concat());
        session.ahead = Some((f.clone(), t.clone()));
    }
    match session.smtp.command(payload) {
        Ok(resp) => Ok(resp.message().collect::<Vec<_>>().join(" ")),
        Err(e) if session.ahead.is_some() => Err(refused_with_next_ahead(&e)),
        Err(e) => Err(fail(&mut session.smtp, Stage::Data, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_payload_is_dot_stuffed_and_terminated_once() {
        assert_eq!(
            DataPayload::new(b".a\r\nb\r\n.c\r\n").0,
            "..a\r\nb\r\n..c\r\n.\r\n"
        );
        assert_eq!(DataPayload::new(b"x").0, "x\r\n.\r\n");
    }
}
