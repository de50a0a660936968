//! One message in, one [`Report`] out: a delivery status notification
//! (`multipart/report; report-type=delivery-status`, RFC 3464), an ARF
//! complaint (`report-type=feedback-report`, RFC 5965), one of the common
//! non-standard text bounces (qmail, Exim, older Exchange), an automatic
//! reply, or something else. MIME is read by `mailparse`; the per-recipient
//! fields of a DSN and the fields of a feedback report are header blocks,
//! read by its header parser.
//!
//! Every byte is hostile: a message larger than [`MAX_MESSAGE_BYTES`], or
//! one that does not parse, is unrecognised, never a panic.

use mailparse::{MailHeaderMap, ParsedMail, parse_headers, parse_mail};

use crate::delivery::transport::enhanced_status;

/// The largest message read. A bounce quotes at most the original message
/// (a release is well under 1 MB); anything bigger is left unrecognised.
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// What a report says about one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The address does not exist or will never take mail (5.1.x, 5.2.1,
    /// 5.4.4, or a failure without any status).
    Hard,
    /// A failure that may pass: mailbox full, a policy or spam refusal, a
    /// delay, a 4.x.x status.
    Soft,
    /// Delivered (or relayed): a success resets the soft count.
    Delivered,
}

/// One recipient of a bounce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientStatus {
    /// The address the report names (lower-case), if it names one.
    pub address: Option<String>,
    /// The RFC 3463 status, such as `5.1.1`.
    pub status: Option<String>,
    pub outcome: Outcome,
    /// The diagnostic the receiving server gave, as far as the report says.
    pub diagnostic: String,
}

/// What one message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Bounce {
        recipients: Vec<RecipientStatus>,
    },
    /// A "this is spam" report.
    Complaint {
        feedback_type: String,
        /// The original recipient, when the report names one (many redact it).
        recipient: Option<String>,
    },
    /// An out-of-office or other automatic reply: never a bounce.
    AutoReply,
    /// Not a bounce or complaint, with the reason.
    Unrecognised(String),
}

/// A parsed message: the report, and every address it was sent to or
/// about that may carry a VERP tag (envelope recipients, the original
/// envelope sender in a DSN or complaint), in the order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub report: Report,
    pub tag_candidates: Vec<String>,
}

/// Reads one message.
/// Whether the message `raw` mentions `needle` (lower case) anywhere: in
/// its bytes, or in any header or part once decoded (base64,
/// quoted-printable, encoded words), so that erasure finds an address
/// however a bounce quoted it.
pub fn mentions(raw: &[u8], needle: &str) -> bool {
    let has = |bytes: &[u8]| {
        memchr::memmem::find(&bytes.to_ascii_lowercase(), needle.as_bytes()).is_some()
    };
    if has(raw) {
        return true;
    }
    fn walk(part: &ParsedMail<'_>, needle: &str, depth: usize) -> bool {
        let text = |s: &str| s.to_lowercase().contains(needle);
        if part.headers.iter().any(|h| text(&h.get_value())) {
            return true;
        }
        let body = part.get_body_raw().unwrap_or_default();
        if memchr::memmem::find(&body.to_ascii_lowercase(), needle.as_bytes()).is_some() {
            return true;
        }
        // A quoted message (message/rfc822) is a message of its own.
        if depth < 8
            && part.ctype.mimetype.eq_ignore_ascii_case("message/rfc822")
            && parse_mail(&body).is_ok_and(|m| walk(&m, needle, depth + 1))
        {
            return true;
        }
        depth < 8 && part.subparts.iter().any(|p| walk(p, needle, depth + 1))
    }
    parse_mail(raw).is_ok_and(|m| walk(&m, needle, 0))
}

pub fn parse(raw: &[u8]) -> Parsed {
    let unrecognised = |why: &str| Parsed {
        report: Report::Unrecognised(why.to_string()),
        tag_candidates: vec![],
    };
    if raw.len() > MAX_MESSAGE_BYTES {
        return unrecognised("larger than a bounce can be");
    }
    let Ok(mail) = parse_mail(raw) else {
        return unrecognised("not a readable MIME message");
    };
    let mut candidates = vec![];
    for key in [
        "Delivered-To",
        "X-Original-To",
        "Envelope-To",
        "X-Envelope-To",
        "To",
    ] {
        for h in mail.headers.get_all_values(key) {
            candidates.extend(addresses_in(&h));
        }
    }
    let report = if let Some(report) = structured(&mail, &mut candidates) {
        report
    } else if let Some(report) = text_bounce(&mail) {
        report
    } else if is_auto_reply(&mail) {
        Report::AutoReply
    } else {
        Report::Unrecognised("neither a bounce nor a complaint".into())
    };
    candidates.dedup();
    Parsed {
        report,
        tag_candidates: candidates,
    }
}

/// A `multipart/report` of type delivery-status or feedback-report.
fn structured(mail: &ParsedMail<'_>, candidates: &mut Vec<String>) -> Option<Report> {
    let report = mail
        .parts()
        .find(|p| p.ctype.mimetype.eq_ignore_ascii_case("multipart/report"))?;
    let kind = report
        .ctype
        .params
        .get("report-type")
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    // The quoted original (message/rfc822, or only its headers) may say
    // which envelope sender it had.
    for part in report.parts() {
        let t = part.ctype.mimetype.to_ascii_lowercase();
        if t == "message/rfc822" || t == "text/rfc822-headers" {
            let body = part.get_body_raw().unwrap_or_default();
            if let Ok((headers, _)) = parse_headers(&body) {
                for key in ["Return-Path", "X-Pressroom-Return-Path"] {
                    for v in headers.get_all_values(key) {
                        candidates.extend(addresses_in(&v));
                    }
                }
            }
        }
    }
    match kind.as_str() {
        "delivery-status" => {
            let part = report.parts().find(|p| {
                let t = p.ctype.mimetype.to_ascii_lowercase();
                t == "message/delivery-status" || t == "message/global-delivery-status"
            })?;
            let body = part.get_body_raw().ok()?;
            let blocks = header_blocks(&body);
            let (per_message, per_recipient) = blocks.split_first()?;
            for key in ["X-Postfix-Sender", "Original-Envelope-Id"] {
                if let Some(v) = field(per_message, key) {
                    candidates.extend(addresses_in(&v));
                }
            }
            let recipients: Vec<RecipientStatus> = per_recipient
                .iter()
                .filter(|b| !b.is_empty())
                .map(|b| recipient_status(b))
                .collect();
            if recipients.is_empty() {
                return Some(Report::Unrecognised(
                    "a delivery status notification that names no recipient".into(),
                ));
            }
            Some(Report::Bounce { recipients })
        }
        "feedback-report" => {
            let part = report.parts().find(|p| {
                p.ctype
                    .mimetype
                    .eq_ignore_ascii_case("message/feedback-report")
            })?;
            let body = part.get_body_raw().ok()?;
            let fields = header_blocks(&body)
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            if let Some(v) = field(&fields, "Original-Mail-From") {
                candidates.extend(addresses_in(&v));
            }
            Some(Report::Complaint {
                feedback_type: field(&fields, "Feedback-Type")
                    .unwrap_or_else(|| "abuse".into())
                    .to_ascii_lowercase(),
                recipient: field(&fields, "Original-Rcpt-To")
                    .and_then(|v| addresses_in(&v).into_iter().next()),
            })
        }
        _ => None,
    }
}

/// The fields of one recipient of a DSN.
fn recipient_status(block: &[(String, String)]) -> RecipientStatus {
    let address = ["Final-Recipient", "Original-Recipient"]
        .iter()
        .find_map(|k| field(block, k))
        .and_then(|v| {
            // "rfc822; user@example.org"
            let addr = v.split_once(';').map_or(v.as_str(), |(_, a)| a);
            addresses_in(addr).into_iter().next()
        });
    let action = field(block, "Action")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let diagnostic = field(block, "Diagnostic-Code")
        .map(|d| {
            d.split_once(';')
                .map_or(d.clone(), |(_, t)| t.trim().to_string())
        })
        .unwrap_or_default();
    let status = field(block, "Status")
        .and_then(|s| enhanced_status(&s))
        .or_else(|| enhanced_status(&diagnostic));
    RecipientStatus {
        address,
        status: status.map(|(a, b, c)| format!("{a}.{b}.{c}")),
        outcome: outcome_of(&action, status),
        diagnostic: printable(&diagnostic),
    }
}

/// Hard, soft or delivered, from a DSN action and an RFC 3463 status.
fn outcome_of(action: &str, status: Option<(u8, u16, u16)>) -> Outcome {
    match action {
        "delivered" | "relayed" | "expanded" => return Outcome::Delivered,
        "delayed" => return Outcome::Soft,
        _ => {}
    }
    match status {
        Some((2, _, _)) => Outcome::Delivered,
        Some((4, _, _)) => Outcome::Soft,
        // Bad address, bad mailbox, disabled mailbox, no such domain.
        Some((5, 1, _)) | Some((5, 2, 1)) | Some((5, 4, 4)) => Outcome::Hard,
        Some(_) => Outcome::Soft,
        None if action == "failed" => Outcome::Hard,
        None => Outcome::Soft,
    }
}

/// A message from a mailer daemon in plain text: qmail, Exim, older
/// Exchange and the like. Addresses are the ones the text lists; the status
/// is the first RFC 3463 code in it, else the wording.
fn text_bounce(mail: &ParsedMail<'_>) -> Option<Report> {
    let from = mail
        .headers
        .get_first_value("From")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let subject = mail
        .headers
        .get_first_value("Subject")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let daemon = [
        "mailer-daemon",
        "postmaster",
        "mail delivery",
        "microsoftexchange",
    ]
    .iter()
    .any(|d| from.contains(d));
    let bouncy = [
        "undeliver",
        "delivery status notification",
        "failure notice",
        "delivery failure",
        "mail delivery failed",
        "returned mail",
        "delivery has failed",
        "could not be delivered",
        "delayed mail",
    ]
    .iter()
    .any(|s| subject.contains(s));
    let failed_header = mail
        .headers
        .get_first_value("X-Failed-Recipients")
        .is_some();
    if !daemon || !(bouncy || failed_header) {
        return None;
    }
    let text = mail
        .parts()
        .find(|p| p.ctype.mimetype.eq_ignore_ascii_case("text/plain"))
        .and_then(|p| p.get_body().ok())
        .unwrap_or_default();
    // The failure report comes before the quoted original.
    let report_text = cut_before_original(&text);
    let lower = report_text.to_ascii_lowercase();
    // qmail writes its status as "(#5.1.1)".
    let status = enhanced_status(&report_text.replace('#', " "));
    let temporary = [
        "temporary",
        "delayed",
        "will continue trying",
        "will retry",
        "has not yet been delivered",
        "still trying",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let outcome = match status {
        Some(s) => outcome_of(if temporary { "delayed" } else { "failed" }, Some(s)),
        None if temporary => Outcome::Soft,
        None => Outcome::Hard,
    };
    let diagnostic = report_text
        .lines()
        .map(str::trim)
        .find(|l| enhanced_status(l).is_some() || l.starts_with("5") || l.starts_with("4"))
        .unwrap_or("")
        .to_string();
    let mut addresses: Vec<String> = mail
        .headers
        .get_all_values("X-Failed-Recipients")
        .iter()
        .flat_map(|v| addresses_in(v))
        .collect();
    if addresses.is_empty() {
        addresses = addresses_in(report_text);
        // The daemon's own and the sender's address are not recipients.
        addresses.retain(|a| !a.starts_with("mailer-daemon@") && !a.starts_with("postmaster@"));
        addresses.truncate(20);
    }
    addresses.dedup();
    let recipients = if addresses.is_empty() {
        vec![RecipientStatus {
            address: None,
            status: status.map(|(a, b, c)| format!("{a}.{b}.{c}")),
            outcome,
            diagnostic: printable(&diagnostic),
        }]
    } else {
        addresses
            .into_iter()
            .map(|a| RecipientStatus {
                address: Some(a),
                status: status.map(|(a, b, c)| format!("{a}.{b}.{c}")),
                outcome,
                diagnostic: printable(&diagnostic),
            })
            .collect()
    };
    Some(Report::Bounce { recipients })
}

/// The report part of a text bounce, without the quoted original.
fn cut_before_original(text: &str) -> &str {
    const MARKERS: &[&str] = &[
        "--- below this line is a copy of the message",
        "------ this is a copy of the message",
        "original message headers",
        "----- original message -----",
        "------ original message",
    ];
    let lower = text.to_ascii_lowercase();
    let end = MARKERS
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .unwrap_or(text.len());
    // `lower` has the byte offsets of `text` (ASCII lower-casing keeps them).
    text.get(..end).unwrap_or(text)
}

/// An automatic reply (RFC 3834 `Auto-Submitted`, or the headers and
/// subjects of common vacation responders).
fn is_auto_reply(mail: &ParsedMail<'_>) -> bool {
    let h = &mail.headers;
    let auto = h
        .get_first_value("Auto-Submitted")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
    let vendor = ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"]
        .iter()
        .any(|k| h.get_first_value(k).is_some());
    let subject = h
        .get_first_value("Subject")
        .unwrap_or_default()
        .to_lowercase();
    let vacation = [
        "out of office",
        "automatic reply",
        "auto-reply",
        "autoreply",
        "poissaolo",
        "automaattinen vastaus",
        "frånvaro",
        "autosvar",
        "automatiskt svar",
    ]
    .iter()
    .any(|s| subject.contains(s));
    auto || vendor || vacation
}

/// The header blocks of a DSN or feedback report body: fields as (name,
/// value) pairs, one block per blank-line-separated group.
fn header_blocks(body: &[u8]) -> Vec<Vec<(String, String)>> {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    text.split("\n\n")
        .map(|block| {
            let block = format!("{}\n\n", block.trim_matches('\n'));
            parse_headers(block.as_bytes())
                .map(|(headers, _)| {
                    headers
                        .iter()
                        .map(|h| (h.get_key(), h.get_value()))
                        .collect()
                })
                .unwrap_or_default()
        })
        .filter(|b: &Vec<(String, String)>| !b.is_empty())
        .collect()
}

fn field(block: &[(String, String)], key: &str) -> Option<String> {
    block
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim().to_string())
}

/// Every address-like word in `text`, lower-case, without brackets.
fn addresses_in(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '<' | '>' | ',' | ';' | '"' | '\'' | '(' | ')' | '[' | ']'
            )
    })
    .map(|w| w.trim_end_matches([':', '.']))
    .filter(|w| {
        let Some((local, domain)) = w.rsplit_once('@') else {
            return false;
        };
        !local.is_empty() && domain.contains('.') && w.len() <= 254
    })
    .map(str::to_lowercase)
    .collect()
}

/// `s` on one line, without control characters, at most 500 characters:
/// fit to show in a table or store as a reason.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(500)
        .collect()
}
