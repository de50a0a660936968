//! Per-recipient messages. Bodies come from the render step, once per
//! language version, already quoted-printable encoded in segments around the
//! unsubscribe placeholder; per recipient only the token and the headers
//! change.

use lettre::address::Envelope;
use lettre::message::header::{
    self, ContentTransferEncoding, ContentType, HeaderName, HeaderValue,
};
use lettre::message::{Body, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::{Address, Message};
use sha2::{Digest, Sha256};

use super::dkim::{self, Signer};
use crate::config::Config;
use crate::i18n::Lang;
use crate::render::email::{RenderedEmail, UNSUBSCRIBE_PLACEHOLDER};
use crate::subscribers::{EmailAddress, Secret, UnsubscribeToken, hex};

/// A body part, quoted-printable encoded, split where the unsubscribe URL goes.
#[derive(Debug, Clone)]
struct Segments(Vec<Vec<u8>>);

impl Segments {
    fn new(body: &str) -> Self {
        let crlf = body.replace("\r\n", "\n").replace('\n', "\r\n");
        Self(
            crlf.split(UNSUBSCRIBE_PLACEHOLDER)
                .map(|s| quoted_printable::encode(s.as_bytes()))
                .collect(),
        )
    }

    /// Joins the segments with the URL between them. Soft line breaks (`=` at
    /// the end of a line) keep the pieces one line in the decoded text.
    fn join(&self, url: &str) -> Vec<u8> {
        let url_qp = quoted_printable::encode(url.as_bytes());
        let mut out =
            Vec::with_capacity(self.0.iter().map(Vec::len).sum::<usize>() + 2 * url_qp.len());
        for (i, seg) in self.0.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"=\r\n");
                out.extend_from_slice(&url_qp);
                out.extend_from_slice(b"=\r\n");
            }
            out.extend_from_slice(seg);
        }
        out
    }
}

/// Everything needed to make one language version's message for any recipient.
#[derive(Clone)]
pub struct Prepared {
    pub release_key: String,
    pub lang: Lang,
    pub subject: String,
    from: Mailbox,
    pub envelope_from: Address,
    reply_to: Option<Mailbox>,
    text: Segments,
    html: Segments,
    /// The parts for readers on staff-curated lists only.
    curated_text: Segments,
    curated_html: Segments,
    /// The lists kept by staff (a CSV `source`), not subscribed to.
    curated_lists: std::collections::BTreeSet<String>,
    base_url: String,
    id_domain: String,
    dkim: std::sync::Arc<Vec<Signer>>,
    /// The multipart boundary of every message of this version: `=_`
    /// cannot occur in quoted-printable text, so no body can contain it.
    boundary: String,
    /// The message's bytes around what differs per recipient.
    frame: Frame,
}

/// A message's bytes that are the same for every recipient, cut where the
/// recipient's own go: made once by building a message with lettre for a
/// stand-in recipient, so that each message is the bytes lettre would
/// build for it (a test holds them equal) at a fraction of the cost: the
/// builder checked, copied and formatted every header and both bodies again
/// for each of them.
#[derive(Debug, Clone, Default)]
struct Frame {
    /// `From:`, up to the `To:` line.
    head: Vec<u8>,
    /// The `Subject:` line, between `To:` and `Date:`.
    subject: Vec<u8>,
    /// From after `List-Unsubscribe:` to the text body.
    before_text: Vec<u8>,
    /// Between the bodies: the boundary and the HTML part's headers.
    between: Vec<u8>,
    /// After the HTML body: the closing boundary.
    tail: Vec<u8>,
}

/// Stand-ins the frame is cut at (short: lettre folds none of them).
const STAND_IN_TO: &str = "stand-in@recipient.invalid";
const STAND_IN_ID: &str = "<stand-in@message.invalid>";
const STAND_IN_LIST: &str = "stand-in-list";
const STAND_IN_URL: &str = "stand-in-url";
const STAND_IN_TEXT: &[u8] = b"\x01stand-in text body\x01";
const STAND_IN_HTML: &[u8] = b"\x01stand-in html body\x01";

impl Frame {
    /// Cuts `skeleton` (a message built for the stand-ins) into the frame.
    fn cut(skeleton: &[u8]) -> Option<Self> {
        let find = |from: usize, what: &[u8]| {
            skeleton[from..]
                .windows(what.len())
                .position(|w| w == what)
                .map(|i| from + i)
        };
        let line_end = |from: usize| find(from, b"\r\n").map(|i| i + 2);
        let to = find(0, b"\r\nTo: ")? + 2;
        let to_end = line_end(to)?;
        let date = find(to_end, b"\r\nDate: ")? + 2;
        let unsubscribe = find(date, b"\r\nList-Unsubscribe: ")? + 2;
        let unsubscribe_end = line_end(unsubscribe)?;
        let text = find(unsubscribe_end, STAND_IN_TEXT)?;
        let html = find(text, STAND_IN_HTML)?;
        Some(Self {
            head: skeleton[..to].to_vec(),
            subject: skeleton[to_end..date].to_vec(),
            before_text: skeleton[unsubscribe_end..text].to_vec(),
            between: skeleton[text + STAND_IN_TEXT.len()..html].to_vec(),
            tail: skeleton[html + STAND_IN_HTML.len()..].to_vec(),
        })
    }
}

/// Why a message could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error(
        "'{text}' is not a valid From address ({why}): set [delivery] from = \"Name <address>\" in pressroom.toml"
    )]
    From { text: String, why: String },
    #[error("[delivery] reply_to '{text}' is not a valid address ({why})")]
    ReplyTo { text: String, why: String },
    #[error("cannot read the DKIM key {}: {source}", path.display())]
    KeyFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] dkim::KeyError),
    #[error("lettre refused the message: {0}")]
    Build(String),
}

/// The `From:` mailbox of a message in `lang`: the address of `[delivery]
/// from` (else the organisation's email), named by `[delivery] from_name` in
/// `lang`, else by the name written in `from`, else by the organisation's
/// name in `lang` (so a Swedish reader sees the Swedish name).
pub fn from_mailbox(config: &Config, lang: &Lang) -> Result<Mailbox, MessageError> {
    let org = &config.organization;
    let default = &config.site.default_lang;
    let text = config
        .delivery
        .from
        .clone()
        .unwrap_or_else(|| org.email.clone());
    let written: Mailbox =
        text.parse()
            .map_err(|e: lettre::address::AddressError| MessageError::From {
                text: text.clone(),
                why: e.to_string(),
            })?;
    let name = match (&config.delivery.from_name, &written.name) {
        (Some(n), _) => n.get(lang, default).to_string(),
        (None, Some(n)) => n.clone(),
        (None, None) => org.name.get(lang, default).to_string(),
    };
    Ok(Mailbox::new(
        crate::subscribers::clean_name(&name),
        written.email,
    ))
}

/// The DKIM signers of `[delivery.dkim]`: RSA, then Ed25519 if configured.
pub fn dkim_signers(config: &Config) -> Result<Vec<Signer>, MessageError> {
    let Some(d) = &config.delivery.dkim else {
        return Ok(vec![]);
    };
    let read = |f: &str| {
        let p = config.root.join(f);
        std::fs::read_to_string(&p).map_err(|source| MessageError::KeyFile { path: p, source })
    };
    let mut out = vec![Signer::rsa(
        &d.domain,
        &d.selector,
        &read(&d.key_file)?,
        &d.key_file,
    )?];
    if let Some(f) = &d.ed25519_key_file {
        let selector = d
            .ed25519_selector
            .clone()
            .unwrap_or_else(|| format!("{}-ed25519", d.selector));
        out.push(Signer::ed25519(&d.domain, &selector, &read(f)?, f)?);
    }
    Ok(out)
}

/// A message sent by itself rather than to a list (the subscription
/// confirmation): built like a release message (the same From in `lang`, a
/// Message-ID on the From domain, a text and an HTML part, DKIM-signed by
/// `signers`) and marked `Auto-Submitted: auto-generated` (RFC 3834), so
/// that no auto-reply answers it. Returns the envelope sender and the bytes.
pub fn one_off(
    config: &Config,
    lang: &Lang,
    to: &EmailAddress,
    subject: &str,
    text: String,
    html: String,
    signers: &[Signer],
) -> Result<(Address, Vec<u8>), MessageError> {
    let from = from_mailbox(config, lang)?;
    let id = format!("<{:032x}@{}>", fastrand::u128(..), from.email.domain());
    let msg = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to.to_lettre()))
        .subject(subject)
        .date_now()
        .message_id(Some(id))
        .raw_header(raw_header("Auto-Submitted", "auto-generated".into()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| MessageError::Build(e.to_string()))?;
    Ok((from.email, dkim::sign(signers, msg.formatted())))
}

fn raw_header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// A recipient of one message.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: EmailAddress,
    /// The keyed link identifier when the caller has it already (the
    /// journal does); else it is computed from the address.
    pub link_id: Option<String>,
    pub name: Option<String>,
    pub list: String,
}

impl Prepared {
    pub fn new(
        config: &Config,
        release_key: &str,
        lang: &Lang,
        rendered: &RenderedEmail,
        dkim: std::sync::Arc<Vec<Signer>>,
    ) -> Result<Self, MessageError> {
        let from = from_mailbox(config, lang)?;
        let reply_to = match &config.delivery.reply_to {
            Some(r) => Some(r.parse().map_err(|e: lettre::address::AddressError| {
                MessageError::ReplyTo {
                    text: r.clone(),
                    why: e.to_string(),
                }
            })?),
            None => None,
        };
        let mut prepared = Self {
            release_key: release_key.to_string(),
            lang: lang.clone(),
            subject: rendered.subject.clone(),
            envelope_from: from.email.clone(),
            id_domain: from.email.domain().to_string(),
            from,
            reply_to,
            text: Segments::new(&rendered.text),
            html: Segments::new(&rendered.html),
            curated_text: Segments::new(&rendered.text_curated),
            curated_html: Segments::new(&rendered.html_curated),
            curated_lists: config
                .lists
                .iter()
                .filter(|(_, l)| l.source.is_some())
                .map(|(name, _)| name.to_string())
                .collect(),
            base_url: config.site.base_url.to_string(),
            dkim,
            boundary: format!("=_{:032x}", fastrand::u128(..)),
            frame: Frame::default(),
        };
        prepared.frame = prepared.cut_frame()?;
        Ok(prepared)
    }

    /// Builds the message for the stand-ins with lettre, and cuts it.
    fn cut_frame(&self) -> Result<Frame, MessageError> {
        let stand_in = Recipient {
            email: EmailAddress::parse(STAND_IN_TO)
                .map_err(|e| MessageError::Build(e.to_string()))?,
            link_id: None,
            name: None,
            list: STAND_IN_LIST.into(),
        };
        let bodies = (
            Segments(vec![STAND_IN_TEXT.to_vec()]),
            Segments(vec![STAND_IN_HTML.to_vec()]),
        );
        let skeleton = self.build_message(
            &stand_in,
            STAND_IN_URL,
            self.subject.clone(),
            STAND_IN_ID.into(),
            std::time::SystemTime::UNIX_EPOCH,
            Some((&bodies.0, &bodies.1)),
        )?;
        Frame::cut(&skeleton.formatted())
            .ok_or_else(|| MessageError::Build("the message frame could not be cut".into()))
    }

    /// The same Message-ID for the same release and recipient, so a retry is
    /// recognisably the same message.
    pub fn message_id(&self, email: &EmailAddress) -> String {
        let h = Sha256::new()
            .chain_update(self.release_key.as_bytes())
            .chain_update([0])
            .chain_update(email.as_str().as_bytes())
            .finalize();
        format!("<{}@{}>", hex(&h[..16]), self.id_domain)
    }

    pub fn unsubscribe_url(&self, secret: &Secret, list: &str, email: &EmailAddress) -> String {
        self.unsubscribe_url_for_id(secret, list, &secret.link_id(&email.hash()))
    }

    fn unsubscribe_url_for_id(&self, secret: &Secret, list: &str, link_id: &str) -> String {
        format!(
            "{}unsubscribe/{}",
            self.base_url,
            UnsubscribeToken::sign_id(secret, list, link_id)
        )
    }

    /// Builds the message for one recipient: its bytes, DKIM-signed.
    pub fn build(&self, secret: &Secret, r: &Recipient) -> Result<Vec<u8>, MessageError> {
        let url = match &r.link_id {
            Some(id) => self.unsubscribe_url_for_id(secret, &r.list, id),
            None => self.unsubscribe_url(secret, &r.list, &r.email),
        };
        let bytes = self.framed(r, &url, std::time::SystemTime::now())?;
        Ok(dkim::sign(&self.dkim, bytes))
    }

    /// The unsigned bytes of `r`'s message, dated `date`: the frame with the
    /// recipient's headers (each made by lettre, as the builder would) and
    /// bodies put in.
    fn framed(
        &self,
        r: &Recipient,
        url: &str,
        date: std::time::SystemTime,
    ) -> Result<Vec<u8>, MessageError> {
        let f = &self.frame;
        let (text, html) = self.parts_for(&r.list);
        let (text, html) = (text.join(url), html.join(url));
        let mut to = header::Headers::new();
        to.set(header::To::from(Mailboxes::from(self.to_mailbox(r))));
        let mut own = header::Headers::new();
        own.set(header::Date::new(date));
        own.set(header::MessageId::from(self.message_id(&r.email)));
        for v in self.list_headers(&r.list, url) {
            own.insert_raw(v);
        }
        let (to, own) = (to.to_string(), own.to_string());
        let mut out = Vec::with_capacity(
            f.head.len()
                + to.len()
                + f.subject.len()
                + own.len()
                + f.before_text.len()
                + text.len()
                + f.between.len()
                + html.len()
                + f.tail.len(),
        );
        for piece in [
            &f.head[..],
            to.as_bytes(),
            &f.subject,
            own.as_bytes(),
            &f.before_text,
            &text,
            &f.between,
            &html,
            &f.tail,
        ] {
            out.extend_from_slice(piece);
        }
        Ok(out)
    }

    /// The `To:` mailbox of `r`: the name cleaned of line breaks and
    /// control characters.
    fn to_mailbox(&self, r: &Recipient) -> Mailbox {
        Mailbox::new(
            r.name.as_deref().and_then(crate::subscribers::clean_name),
            r.email.to_lettre(),
        )
    }

    /// `List-Id` and `List-Unsubscribe` of a member of `list` (names
    /// joined by `,`: the first names the list).
    fn list_headers(&self, list: &str, url: &str) -> [HeaderValue; 2] {
        let list_id = list.split(',').next().unwrap_or_default();
        [
            raw_header(
                "List-Id",
                format!("{list_id} <{list_id}.{}>", self.id_domain),
            ),
            raw_header("List-Unsubscribe", format!("<{url}>")),
        ]
    }

    /// Builds a test copy (`send --to`): `[TEST]` before the subject (in
    /// the message's language: `[TESTI]` in Finnish), a
    /// Message-ID of its own (never the one the real message to the same
    /// address carries, which a receiver would drop as a duplicate), and an
    /// unsubscribe link that only says it is a test.
    pub fn build_test(&self, r: &Recipient) -> Result<Vec<u8>, MessageError> {
        let url = format!("{}unsubscribe/{}", self.base_url, super::TEST_COPY_TOKEN);
        let id = format!("<test.{:032x}@{}>", fastrand::u128(..), self.id_domain);
        let mark = crate::i18n::strings(&self.lang).test_subject;
        self.build_with(r, &url, format!("{mark} {}", self.subject), id)
    }

    fn build_with(
        &self,
        r: &Recipient,
        url: &str,
        subject: String,
        message_id: String,
    ) -> Result<Vec<u8>, MessageError> {
        let msg = self.build_message(
            r,
            url,
            subject,
            message_id,
            std::time::SystemTime::now(),
            None,
        )?;
        Ok(dkim::sign(&self.dkim, msg.formatted()))
    }

    /// The message for `r` built with lettre: the frame is cut from one, and
    /// a test copy is one. `bodies` stand in for the parts' own.
    fn build_message(
        &self,
        r: &Recipient,
        url: &str,
        subject: String,
        message_id: String,
        date: std::time::SystemTime,
        bodies: Option<(&Segments, &Segments)>,
    ) -> Result<Message, MessageError> {
        let address = r.email.to_lettre();
        // The envelope given, not read back out of the headers (lettre
        // would parse the From and To it has just written); the transport
        // sends with an envelope of its own anyway.
        let envelope = Envelope::new(Some(self.from.email.clone()), vec![address])
            .map_err(|e| MessageError::Build(e.to_string()))?;
        // `header` sets From and To outright (`from` and `to` would look
        // for one to add to first).
        let [list_id, unsubscribe] = self.list_headers(&r.list, url);
        let mut b = Message::builder()
            .envelope(envelope)
            .header(header::From::from(Mailboxes::from(self.from.clone())))
            .header(header::To::from(Mailboxes::from(self.to_mailbox(r))))
            .subject(subject)
            .date(date)
            .message_id(Some(message_id))
            .raw_header(list_id)
            .raw_header(unsubscribe)
            .raw_header(raw_header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            ))
            // A bulk message: receivers do not answer it with auto-replies.
            .raw_header(raw_header("Precedence", "bulk".into()));
        if let Some(rt) = &self.reply_to {
            b = b.reply_to(rt.clone());
        }
        let part = |ct: ContentType, seg: &Segments| {
            SinglePart::builder()
                .header(ct)
                .header(ContentTransferEncoding::QuotedPrintable)
                .body(Body::dangerous_pre_encoded(
                    seg.join(url),
                    ContentTransferEncoding::QuotedPrintable,
                ))
        };
        let (text, html) = bodies.unwrap_or_else(|| self.parts_for(&r.list));
        b.multipart(
            MultiPart::alternative()
                .boundary(self.boundary.clone())
                .singlepart(part(ContentType::TEXT_PLAIN, text))
                .singlepart(part(ContentType::TEXT_HTML, html)),
        )
        .map_err(|e| MessageError::Build(e.to_string()))
    }
}

impl Prepared {
    /// Whether each message is DKIM-signed (building one then costs a
    /// signature, not microseconds).
    pub fn signs(&self) -> bool {
        !self.dkim.is_empty()
    }

    /// The text and HTML parts a member of `list` (names joined by `,`)
    /// gets. Someone only on staff-kept lists did not subscribe: the
    /// footer must not say they did.
    fn parts_for(&self, list: &str) -> (&Segments, &Segments) {
        if list.split(',').all(|l| self.curated_lists.contains(l)) {
            (&self.curated_text, &self.curated_html)
        } else {
            (&self.text, &self.html)
        }
    }

    /// The HTML and the text that a member of `list` reads, with `url` as
    /// the unsubscribe link: decoded from the very bytes [`Prepared::build`]
    /// puts in the message (a preview shows what is sent).
    pub fn bodies(&self, list: &str, url: &str) -> (String, String) {
        let (text, html) = self.parts_for(list);
        let decode = |seg: &Segments| {
            let bytes =
                quoted_printable::decode(seg.join(url), quoted_printable::ParseMode::Robust)
                    .unwrap_or_default();
            String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
        };
        (decode(html), decode(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_to_the_body_with_the_url_in_place() {
        let body = format!(
            "Hyvä lukija,\n{}\nloppu {} x\n",
            "a".repeat(200),
            UNSUBSCRIBE_PLACEHOLDER
        );
        let url = "https://press.example.org/unsubscribe/bWVkaWE.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA";
        let joined = Segments::new(&body).join(url);
        assert!(
            joined.split(|&b| b == b'\n').all(|l| l.len() <= 77),
            "QP lines stay short"
        );
        let decoded =
            quoted_printable::decode(&joined, quoted_printable::ParseMode::Strict).unwrap();
        let expected = body
            .replace('\n', "\r\n")
            .replace(UNSUBSCRIBE_PLACEHOLDER, url);
        assert_eq!(String::from_utf8(decoded).unwrap(), expected);
    }

    #[test]
    fn each_framed_message_is_byte_for_byte_what_lettre_builds_for_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let content = crate::content::Content::load(root).unwrap();
        let release = content.find("regional-strategy-2040", None).unwrap();
        let group = super::super::Group::of(&content, release);
        let prepared = super::super::prepare(&content.config, &group, &Default::default()).unwrap();
        assert!(prepared.len() > 1, "every language version");
        let curated = content
            .config
            .lists
            .iter()
            .find(|(_, l)| l.source.is_some())
            .map(|(n, _)| n.to_string())
            .expect("the sample has a staff-kept list");
        let secret = Secret::from_bytes(b"a test secret, thirty-two bytes long");
        let long = "Lukija ".repeat(20);
        let names: [Option<&str>; 7] = [
            Some("Lukija Virtanen"),
            None,
            Some("Åsa Öberg-Längström"),
            Some(&long),
            Some("Evil\r\nBcc: someone@example.org"),
            Some("Virtanen, Lukija \"Lu\" <x@y>"),
            Some("=?utf-8?q?already_encoded?="),
        ];
        let lists = [
            "citizens".to_string(),
            format!("citizens,{curated}"),
            curated,
        ];
        let date = std::time::SystemTime::now();
        let mut n = 0;
        for p in prepared.values() {
            for (i, name) in names.iter().enumerate() {
                for list in &lists {
                    let r = Recipient {
                        email: EmailAddress::parse(&format!("reader+{i}@example.org")).unwrap(),
                        link_id: None,
                        name: name.map(str::to_string),
                        list: list.clone(),
                    };
                    let url = p.unsubscribe_url(&secret, list, &r.email);
                    let framed = p.framed(&r, &url, date).unwrap();
                    let built = p
                        .build_message(
                            &r,
                            &url,
                            p.subject.clone(),
                            p.message_id(&r.email),
                            date,
                            None,
                        )
                        .unwrap()
                        .formatted();
                    assert_eq!(
                        String::from_utf8_lossy(&framed),
                        String::from_utf8_lossy(&built),
                        "{name:?} on {list}"
                    );
                    n += 1;
                }
            }
        }
        assert!(n >= 42);
    }
}
