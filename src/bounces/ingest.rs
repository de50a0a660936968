//! One message from the bounce mailbox, acted on: parsed, matched to the
//! journal row its VERP tag names (a missing, forged or unknown tag makes
//! it unrecognised: nothing is suppressed on the word of a stranger), and
//! recorded with the rules of `crate::db::Bounces`.

use sha2::{Digest, Sha256};

use super::parse::{Outcome, Report, parse};
use crate::db::{Db, Event, EventKind, SoftRule, Verdict};
use crate::delivery::verp::ReturnPath;
use crate::subscribers::Secret;

/// What one message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A bounce or complaint about a message pressroom sent.
    Recorded {
        release: String,
        kind: EventKind,
        verdict: Verdict,
    },
    /// Nothing to act on, and why (an automatic reply, a letter, a bounce
    /// without a valid tag, a bounce about mail pressroom did not send).
    Unrecognised(String),
}

/// How to read bounces: the secret that signs tags, the return path, the
/// soft-bounce rule.
pub struct Reader<'a> {
    pub secret: &'a Secret,
    pub return_path: &'a ReturnPath,
    pub soft: SoftRule,
}

impl Reader<'_> {
    /// Reads one message and records what it says.
    pub fn ingest(&self, db: &Db, raw: &[u8]) -> crate::db::Result<Ingested> {
        let parsed = parse(raw);
        let unrecognised = |why: String| Ok(Ingested::Unrecognised(why));
        let (kind, status, diagnostic) = match &parsed.report {
            Report::Unrecognised(why) => return unrecognised(why.clone()),
            Report::AutoReply => return unrecognised("an automatic reply".into()),
            Report::Complaint { feedback_type, .. } => (
                EventKind::Complaint,
                Some(feedback_type.clone()),
                String::new(),
            ),
            Report::Bounce { recipients } => {
                // The worst news about anyone in it decides (one message, one
                // recipient, in the usual case).
                let r = recipients
                    .iter()
                    .min_by_key(|r| match r.outcome {
                        Outcome::Hard => 0,
                        Outcome::Soft => 1,
                        Outcome::Delivered => 2,
                    })
                    .expect("a bounce names at least one recipient");
                let kind = match r.outcome {
                    Outcome::Hard => EventKind::Hard,
                    Outcome::Soft => EventKind::Soft,
                    Outcome::Delivered => EventKind::Delivered,
                };
                (kind, r.status.clone(), r.diagnostic.clone())
            }
        };
        let Some(tag) = parsed
            .tag_candidates
            .iter()
            .find_map(|c| self.return_path.tag_of(self.secret, c))
        else {
            return unrecognised(format!(
                "a {} without a valid return-path tag (not sent by this pressroom, or forged)",
                kind_name(kind)
            ));
        };
        let Some((release, email_hash)) =
            db.journal().row_of_tag(tag.release_id, &tag.hash_prefix)?
        else {
            return unrecognised(format!(
                "a {} for a message this pressroom has no record of",
                kind_name(kind)
            ));
        };
        // The tag says whose message it was; a report that names another
        // address is about mail forwarded from it, and counts for it too.
        let message_id = message_id_of(raw);
        let verdict = db.bounces().record(
            &Event {
                email_hash: &email_hash,
                release: Some(&release),
                kind,
                status: status.as_deref(),
                diagnostic: &diagnostic,
                message_id: Some(&message_id),
                evidence: raw,
            },
            self.soft,
        )?;
        Ok(Ingested::Recorded {
            release,
            kind,
            verdict,
        })
    }
}

fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Complaint => "complaint",
        EventKind::Delivered => "delivery report",
        _ => "bounce",
    }
}

/// The bounce's Message-ID, else a digest of its bytes: what makes reading
/// the same message twice count once.
fn message_id_of(raw: &[u8]) -> String {
    let head = &raw[..raw.len().min(64 * 1024)];
    let id = mailparse::parse_headers(head)
        .ok()
        .and_then(|(headers, _)| {
            use mailparse::MailHeaderMap;
            headers
                .get_first_value("Message-ID")
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty() && v.len() <= 500)
        });
    id.unwrap_or_else(|| format!("sha256:{}", crate::subscribers::hex(&Sha256::digest(raw))))
}
