//! DKIM signatures (RFC 6376) over the finished bytes of a message, with
//! relaxed/relaxed canonicalisation: RSA-SHA256 and, when configured,
//! Ed25519-SHA256 beside it (RFC 8463). Each signature covers the message as
//! built, not the other signature, so both verify; the RSA one comes first,
//! for receivers that read only one. Signing the bytes that go on the wire
//! (rather than a builder's idea of them) lets `Content-Type` be signed too.
//! The keys are `aws-lc-rs`'s (AWS-LC, the crypto provider of TLS here
//! too), which signs RSA-2048 as fast as `openssl speed` does.

use std::sync::LazyLock;

use aws_lc_rs::signature::{Ed25519KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use memchr::memmem;
use sha2::{Digest, Sha256};

/// Header fields signed when present, in this order. `From`, `Subject` and
/// the unsubscribe headers are signed once more than they occur, so that a
/// second copy cannot be added without breaking the signature.
const SIGNED: &[&str] = &[
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "list-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "mime-version",
    "content-type",
    "precedence",
    "auto-submitted",
];
const OVERSIGNED: &[&str] = &[
    "from",
    "subject",
    "list-unsubscribe",
    "list-unsubscribe-post",
];

/// Why a key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{0} is not an RSA private key in PEM form (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY; `openssl genrsa -traditional 2048` makes one): {1}"
    )]
    Rsa(String, String),
    #[error(
        "{0} is not an Ed25519 key (base64 of the 32-byte seed, or a PKCS#8 PEM from `openssl genpkey -algorithm ed25519`): {1}"
    )]
    Ed25519(String, String),
}

enum Key {
    Rsa(RsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// One signing identity: a key, its selector and domain.
pub struct Signer {
    domain: String,
    selector: String,
    key: Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

/// The base64 body of the first PEM block, if `text` is PEM.
fn pem_body(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body = &rest[label_end + 5..];
    let end = body.find("-----END ")?;
    let b64: String = body[..end].split_whitespace().collect();
    Some((label, B64.decode(b64).ok()?))
}

impl Signer {
    /// An RSA key from PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
    /// (`BEGIN PRIVATE KEY`) PEM text; `name` names the file in errors.
    pub fn rsa(domain: &str, selector: &str, pem: &str, name: &str) -> Result<Self, KeyError> {
        let bad = |why: String| KeyError::Rsa(name.to_string(), why);
        let (label, der) = pem_body(pem).ok_or_else(|| bad("no PEM block".into()))?;
        let key = match label.as_str() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            other => return Err(bad(format!("a PEM block of type {other}"))),
        }
        .map_err(|e| bad(e.to_string()))?;
        if key.public_modulus_len() < 128 {
            return Err(bad(
                "keys shorter than 1024 bits are refused by receivers".into()
            ));
        }
        Ok(Self {
            domain: domain.to_string(),
            selector: selector.to_string(),
            key: Key::Rsa(key),
        })
    }

    /// An Ed25519 key: base64 of the 32-byte seed, or PKCS#8 PEM.
    pub fn ed25519(domain: &str, selector: &str, text: &str, name: &str) -> Result<Self, KeyError> {
        let bad = |why: String| KeyError::Ed25519(name.to_string(), why);
        let key = match pem_body(text) {
            Some((label, der)) if label == "PRIVATE KEY" => {
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(|e| bad(e.to_string()))?
            }
            Some((label, _)) => return Err(bad(format!("a PEM block of type {label}"))),
            None => {
                let seed = B64
                    .decode(text.trim())
                    .map_err(|e| bad(format!("not base64: {e}")))?;
                Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|e| bad(e.to_string()))?
            }
        };
        Ok(Self {
            domain: domain.to_string(),
            selector: selector.to_string(),
            key: Key::Ed25519(key),
        })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    fn algorithm(&self) -> &'static str {
        match self.key {
            Key::Rsa(_) => "rsa-sha256",
            Key::Ed25519(_) => "ed25519-sha256",
        }
    }

    /// The `DKIM-Signature` header field (with its CRLF) for `message`,
    /// signed at `time` (Unix seconds).
    pub fn header(&self, message: &[u8], time: i64) -> Vec<u8> {
        let (headers, body) = split(message);
        let fields = fields(headers);
        let mut body_hash = Sha256::new();
        canonical_body_into(body, &mut body_hash);
        let bh = B64.encode(body_hash.finalize());
        let mut names: Vec<&str> = SIGNED
            .iter()
            .copied()
            .filter(|n| fields.iter().any(|f| f.name.eq_ignore_ascii_case(n)))
            .collect();
        let again: Vec<&str> = OVERSIGNED
            .iter()
            .copied()
            .filter(|n| names.contains(n))
            .collect();
        names.extend(again);
        let mut field = format!(
            "DKIM-Signature: v=1; a={}; c=relaxed/relaxed; d={}; s={};\r\n\tt={time}; h={};\r\n\tbh={bh};\r\n\tb=",
            self.algorithm(),
            self.domain,
            self.selector,
            names.join(":"),
        );
        let mut data = Vec::with_capacity(1024);
        // RFC 6376 5.4.2: instances are taken from the bottom up.
        let mut used = vec![false; fields.len()];
        for name in &names {
            if let Some(i) = (0..fields.len())
                .rev()
                .find(|&i| !used[i] && fields[i].name.eq_ignore_ascii_case(name))
            {
                used[i] = true;
                canonical_header(fields[i].raw, &mut data);
                data.extend_from_slice(b"\r\n");
            }
        }
        canonical_header(field.as_bytes(), &mut data);
        let signature = match &self.key {
            Key::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(
                    &RSA_PKCS1_SHA256,
                    &aws_lc_rs::rand::SystemRandom::new(),
                    &data,
                    &mut sig,
                )
                .expect("RSA signing with a valid key does not fail");
                sig
            }
            Key::Ed25519(k) => k.sign(&Sha256::digest(&data)).as_ref().to_vec(),
        };
        let b = B64.encode(signature);
        // Folded in lines of 72; the verifier drops b='s value and its
        // whitespace before checking.
        for (i, chunk) in b.as_bytes().chunks(72).enumerate() {
            if i > 0 {
                field.push_str("\r\n\t ");
            }
            field.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        }
        field.push_str("\r\n");
        field.into_bytes()
    }
}

/// Every configured signature of `message`, RSA first, then the message.
pub fn sign(signers: &[Signer], message: Vec<u8>) -> Vec<u8> {
    if signers.is_empty() {
        return message;
    }
    let time = chrono::Utc::now().timestamp();
    let mut out = Vec::with_capacity(message.len() + 1024 * signers.len());
    for s in signers {
        out.extend_from_slice(&s.header(&message, time));
    }
    out.extend_from_slice(&message);
    out
}

/// The header block (each field ending in CRLF) and the body.
fn split(message: &[u8]) -> (&[u8], &[u8]) {
    static BLANK_LINE: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"\r\n\r\n"));
    match BLANK_LINE.find(message) {
        Some(i) => (&message[..i + 2], &message[i + 4..]),
        None => (message, b""),
    }
}

struct Field<'a> {
    name: &'a str,
    /// The whole field, folded as it is, without its final CRLF.
    raw: &'a [u8],
}

fn fields<'a>(headers: &'a [u8]) -> Vec<Field<'a>> {
    let mut out = vec![];
    let mut push = |raw: &'a [u8]| {
        if let Some(colon) = memchr::memchr(b':', raw) {
            let name = std::str::from_utf8(&raw[..colon]).unwrap_or("").trim();
            out.push(Field { name, raw });
        }
    };
    let (mut start, mut prev_end, mut pos) = (None, 0, 0);
    while pos < headers.len() {
        let end = CRLF
            .find(&headers[pos..])
            .map_or(headers.len(), |i| pos + i);
        // A line that starts with white space continues the field above.
        if !headers.get(pos).is_some_and(|&b| is_wsp(b)) {
            if let Some(s) = start {
                push(&headers[s..prev_end]);
            }
            start = Some(pos);
        }
        prev_end = end;
        pos = end + 2;
    }
    if let Some(s) = start {
        push(&headers[s..prev_end]);
    }
    out
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Relaxed header canonicalisation (RFC 6376 3.4.2), without the CRLF.
fn canonical_header(raw: &[u8], out: &mut Vec<u8>) {
    let colon = memchr::memchr(b':', raw).unwrap_or(raw.len());
    let name = &raw[..colon];
    let end = name.iter().rposition(|&b| !is_wsp(b)).map_or(0, |p| p + 1);
    out.extend(name[..end].iter().map(u8::to_ascii_lowercase));
    out.push(b':');
    let value = raw.get(colon + 1..).unwrap_or(b"");
    let mut pending_space = false;
    let mut started = false;
    for &b in value {
        match b {
            b'\r' | b'\n' => {}
            b' ' | b'\t' => pending_space = true,
            _ => {
                if pending_space && started {
                    out.push(b' ');
                }
                pending_space = false;
                started = true;
                out.push(b);
            }
        }
    }
}

/// The lines of a body split at LF (as `split` would, with an empty last
/// line after a final LF), found with SIMD rather than byte by byte.
struct Lines<'a> {
    /// `None` once the last line was given.
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => self.rest.take(),
        }
    }
}

/// Where canonical bytes go: a buffer, or straight into the body hash
/// (a message's body is hashed as it is canonicalised, never copied).
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// `\r\n`, and two spaces: searched for in every message, so their
/// searchers are built once.
static CRLF: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"\r\n"));
static TWO_SPACES: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"  "));

/// Relaxed body canonicalisation (RFC 6376 3.4.4).
#[cfg(test)]
fn canonical_body(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    canonical_body_into(body, &mut out);
    out
}

/// Relaxed body canonicalisation (RFC 6376 3.4.4) of `body` into `out`.
fn canonical_body_into(body: &[u8], out: &mut impl Sink) {
    let mut empty_lines = 0usize;
    let mut lines = Lines { rest: Some(body) }.peekable();
    let mut squeezed = Vec::new();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if lines.peek().is_none() && line.is_empty() {
            break; // after the final CRLF
        }
        let end = line.iter().rposition(|&b| !is_wsp(b)).map_or(0, |p| p + 1);
        let line = &line[..end];
        if line.is_empty() {
            empty_lines += 1;
            continue;
        }
        for _ in 0..empty_lines {
            out.put(b"\r\n");
        }
        empty_lines = 0;
        // Most lines (quoted-printable never has a tab or two spaces in a
        // row) are already canonical: taken whole, not byte by byte.
        if memchr::memchr(b'\t', line).is_none() && TWO_SPACES.find(line).is_none() {
            out.put(line);
            out.put(b"\r\n");
            continue;
        }
        squeezed.clear();
        let mut space = false;
        for &b in line {
            if is_wsp(b) {
                space = true;
            } else {
                if space {
                    squeezed.push(b' ');
                }
                space = false;
                squeezed.push(b);
            }
        }
        squeezed.extend_from_slice(b"\r\n");
        out.put(&squeezed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body hash is taken as the body is canonicalised: the same as
    /// hashing the canonical bytes, for lines taken whole and squeezed.
    #[test]
    fn the_body_is_hashed_as_its_canonical_bytes() {
        let body = b"plain line\r\n tab\there  and  there \r\n\r\nlast=\r\n\r\n\r\n";
        let mut streamed = Sha256::new();
        canonical_body_into(body, &mut streamed);
        let whole = canonical_body(body);
        assert_eq!(whole, b"plain line\r\n tab here and there\r\n\r\nlast=\r\n");
        assert_eq!(streamed.finalize(), Sha256::digest(&whole));
    }

    #[test]
    fn relaxed_canonicalisation_follows_rfc_6376_examples() {
        // RFC 6376 3.4.5.
        let mut h = vec![];
        canonical_header(b"A: X", &mut h);
        assert_eq!(h, b"a:X");
        let mut h = vec![];
        canonical_header(b"B : Y\t\r\n\tZ  ", &mut h);
        assert_eq!(h, b"b:Y Z");
        assert_eq!(
            canonical_body(b" C \r\nD \t E\r\n\r\n\r\n"),
            b" C\r\nD E\r\n"
        );
        assert_eq!(canonical_body(b""), b"");
        assert_eq!(canonical_body(b"\r\n\r\n"), b"");
    }

    /// RFC 6376 3.4.4 read literally, byte by byte.
    fn reference_body(body: &[u8]) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = body
            .split(|&b| b == b'\n')
            .map(|l| {
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                let mut out = vec![];
                let mut space = false;
                for &b in l {
                    if is_wsp(b) {
                        space = true;
                    } else {
                        if space {
                            out.push(b' ');
                        }
                        space = false;
                        out.push(b);
                    }
                }
                out
            })
            .collect();
        if body.ends_with(b"\n") {
            lines.pop();
        }
        while lines.last().is_some_and(Vec::is_empty) {
            lines.pop();
        }
        lines
            .iter()
            .flat_map(|l| [&l[..], b"\r\n"].concat())
            .collect()
    }

    #[test]
    fn body_canonicalisation_matches_the_rfc_read_byte_by_byte() {
        let alphabet = [b'a', b' ', b'\t', b'\r', b'\n', b'=', b'x'];
        let mut rng = fastrand::Rng::with_seed(6376);
        for _ in 0..20_000 {
            let len = rng.usize(0..40);
            let body: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            // Bodies on the wire end their lines in CRLF; stray CRs inside a
            // line are the reference's business too.
            assert_eq!(
                canonical_body(&body),
                reference_body(&body),
                "{:?}",
                String::from_utf8_lossy(&body)
            );
        }
    }

    #[test]
    fn folded_fields_are_found_whole_and_the_last_instance_is_signed_first() {
        let msg =
            b"From: a@example.org\r\nSubject: one\r\n two\r\nTo: b@example.org\r\n\r\nbody\r\n";
        let (h, b) = split(msg);
        assert_eq!(b, b"body\r\n");
        let f = fields(h);
        let names: Vec<&str> = f.iter().map(|f| f.name).collect();
        assert_eq!(names, ["From", "Subject", "To"]);
        assert_eq!(f[1].raw, b"Subject: one\r\n two");
    }
}
