//! Why a message was not accepted, and what a refusal says about the
//! recipient.

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// 4xx, a timeout or a dropped connection: try again later.
    #[error("{reply}")]
    Transient {
        reply: String,
        connection_lost: bool,
    },
    /// 5xx: this message will not be accepted. `code` is e.g. 550.
    #[error("{reply}")]
    Permanent {
        code: u16,
        /// The step the relay refused.
        stage: Stage,
        reply: String,
    },
    /// Nothing was sent and nothing can be for now: no relay could be
    /// reached, or the outbox could not be written. A run stops here.
    #[error("{0}")]
    Unavailable(String),
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
}
